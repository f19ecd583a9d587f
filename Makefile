# mod_skillbarter — build, run and test. `./configure` writes build/config.mk (run on demand).
#
#   make            module, shared library, tools
#   make run        install deps, build, start a dev server in the foreground (PORT=8080)
#   make stop       stop a dev server left running
#   make test       every test layer; last line "N passed, N failed[, N skipped]"
#   make test-asan  unit tests under ASan+UBSan      make test-valgrind  under valgrind
#   make bench      wrk ratios against Apache's static file rate
#   make bench-scale every discover route at 10,000 and 100,000 users (SCALE=1M: and 1M)
#   make install    module into Apache's module dir, conf as conf-available

BUILD ?= build
-include build/config.mk

CC ?= cc
WARN = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
OPT ?= -O2 -g
SAN ?=
ifeq ($(SAN),1)
  OPT = -O1 -g -fno-omit-frame-pointer
  SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif
INCS = -Imod_skillbarter/core -Imod_skillbarter/store -Imod_skillbarter/httpd -Imod_skillbarter/api
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -fPIC $(OPT) $(WARN) $(SANFLAGS) $(INCS) $(DEP_CFLAGS) $(EXTRA_CFLAGS)

CORE_SRC  = $(sort $(wildcard mod_skillbarter/core/*.c) $(wildcard mod_skillbarter/store/*.c) \
                   $(wildcard mod_skillbarter/store/*/*.c))
MOD_SRC   = $(sort $(wildcard mod_skillbarter/httpd/*.c) $(wildcard mod_skillbarter/api/*.c))
TOOL_SRC  = mod_skillbarter/tools/sbctl.c mod_skillbarter/tools/sb_seed.c
UNIT_SRC  = $(sort $(wildcard test/unit/test_*.c))

MIGRATIONS = $(sort $(wildcard sql/[0-9]*.sql))
CORE_OBJ  = $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/sb_migrations.o
MOD_OBJ   = $(MOD_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/mod_skillbarter/mod_skillbarter.o
LIB       = $(BUILD)/libskillbarter.a
MODULE    = $(BUILD)/mod_skillbarter.so
SBCTL     = $(BUILD)/sbctl
UNIT_BIN  = $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)

.PHONY: all deps run stop seed test test-unit test-asan test-valgrind test-integration bench bench-scale \
        install clean format check-conf
all: $(MODULE) $(SBCTL)

build/config.mk: configure
	./configure

$(BUILD)/obj/%.o: %.c build/config.mk $(wildcard mod_skillbarter/*/*.h) $(wildcard mod_skillbarter/*/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(HTTPD_CFLAGS) -c $< -o $@

$(BUILD)/gen/sb_migrations.c: $(MIGRATIONS) tools/embed-sql.sh
	@mkdir -p $(dir $@)
	tools/embed-sql.sh $@ $(MIGRATIONS)

$(BUILD)/obj/gen/sb_migrations.o: $(BUILD)/gen/sb_migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The module is compiled with apxs' own include set and linked as a plain shared object.
$(MODULE): $(MOD_OBJ) $(LIB)
	$(CC) -shared $(SANFLAGS) -o $@ $(MOD_OBJ) $(LIB) $(DEP_LIBS)

$(SBCTL): $(TOOL_SRC) mod_skillbarter/tools/sb_seed.h $(LIB)
	$(CC) $(CFLAGS_ALL) -Imod_skillbarter/tools -o $@ $(TOOL_SRC) $(LIB) $(DEP_LIBS) -lm

$(BUILD)/test/%: test/unit/%.c $(wildcard test/unit/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itest/unit $(CMOCKA_CFLAGS) -o $@ $< $(LIB) $(DEP_LIBS) $(CMOCKA_LIBS) -lm

deps:
	@tools/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@tools/devserver.sh run

stop:
	@tools/devserver.sh stop

# make seed N=10000: realistic users in the dev server's store (run/dev), root made if needed.
N ?= 1000
seed: all
	@[ -f run/dev/conf/httpd.conf ] || tools/mkroot.sh run/dev $${PORT:-8080} $${MPM:-event}
	$(SBCTL) sqlite:run/dev/data/skillbarter.db seed $(N)
	@chown -R www-data:www-data run/dev/data 2>/dev/null || true

# Unit tests print TAP-ish lines through cmocka and a summary through test/run-unit.sh.
test-unit: $(UNIT_BIN)
	@test/run-unit.sh $(UNIT_BIN)

test-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 test-unit

test-valgrind: $(UNIT_BIN)
	@VALGRIND=1 test/run-unit.sh $(UNIT_BIN)

test-integration: all
	@test/run-integration.sh

test: deps
	@$(MAKE) --no-print-directory all
	@test/run-all.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@test/bench/run.sh

bench-scale: deps
	@$(MAKE) --no-print-directory all
	@test/bench/scale.sh

check-conf:
	@test/check-conf-reference.sh

install: $(MODULE)
	$(APXS) -i -n skillbarter $(MODULE)
	echo "LoadModule skillbarter_module $(HTTPD_MODULEDIR)/mod_skillbarter.so" \
	    > $(DESTDIR)$(HTTPD_SYSCONFDIR)/mods-available/skillbarter.load
	install -m 0644 conf/skillbarter.conf $(DESTDIR)$(HTTPD_SYSCONFDIR)/conf-available/skillbarter.conf

format:
	clang-format -i mod_skillbarter/*/*.[ch] mod_skillbarter/*.c test/unit/*.[ch]

clean:
	rm -rf build
