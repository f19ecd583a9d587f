# mod_skillbarter — build, run and test. `./configure` writes build/config.mk (run on demand).
#
#   make            module, libraries (core+store, api), sbctl, the MongoDB driver's .so
#   make run        install deps, build, start a dev server in the foreground (PORT=8080)
#   make stop       stop a dev server left running (Apache and the real-time daemon)
#   make restart-realtime  restart the real-time daemon of a running dev server
#   make test       every test layer; last line "N passed, N failed[, N skipped]"
#   make test-asan  unit tests under ASan+UBSan      make test-valgrind  under valgrind
#                   (both with the pool guard on, and canaries that must be caught)
#   make test-fuzz  each libFuzzer target for FUZZ_SECONDS (default 5)
#   make bench      wrk ratios to Apache's static file measured beside each row; targets
#                   met / not met; rows and targets in build/bench/last.tsv
#   make bench-scale every discover route at 10,000 and 100,000 users (SCALE=1M: and 1M),
#                   compared by ratio to the static file; build/bench/scale-last.tsv
#   make install    module into Apache's module dir, conf as conf-available
#   make web        the single-page app (htdocs/ -> build/web, Apache's document root)
#   make test-web-unit / test-e2e   Vitest unit tests / browser tests (chromium)

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
# Only the module record leaves the .so (it is marked in httpd/sb_log.h); -MMD writes each
# object's header dependencies next to it (build/obj/.../x.d, read back below).
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -MMD -MP $(OPT) $(WARN) \
             $(SANFLAGS) $(DEP_CFLAGS) $(EXTRA_CFLAGS)

# One include set per layer: a layer sees itself and the layers below it, so an upward
# include fails to compile. Apache's headers are visible to httpd/ only.
SB = mod_skillbarter
# where sbctl looks for the settings file httpd writes (DefaultRuntimeDir)
HTTPD_RUNTIMEDIR ?= $(or $(shell $(APXS) -q RUNTIMEDIR 2>/dev/null),/run/apache2)
INCS_CORE  = -I$(SB)/core
# The MongoDB driver (store/mongodb/ and libmongoc) is a shared object of its own,
# build/libskillbarter_mongo.so, installed beside the module. store.c loads it with dlopen only
# in a process that names a mongodb:// store, after setting MONGOC_DISABLE_SHM (libmongoc's
# initialiser runs at load and would otherwise map /dev/shm/mongoc-<pid>): a process on SQLite
# never maps libmongoc. MONGO=0 leaves it out (a mongodb URI is then refused as "not compiled
# in"; run `make clean` when switching). See the README's MongoDB section.
MONGO ?= 1
MONGO_SRC = $(sort $(wildcard $(SB)/store/mongodb/*.c))
MONGO_OBJ = $(call obj,$(MONGO_SRC))
MONGO_A   = $(BUILD)/libskillbarter_mongo.a
MONGO_SO  = $(BUILD)/libskillbarter_mongo.so
ifeq ($(MONGO),1)
  MONGO_DEFS = -DSB_WITH_MONGO
endif
INCS_STORE = $(INCS_CORE) -I$(SB)/store -I$(SB)/store/sqlite $(MONGO_DEFS) \
             -DSB_MODULE_DIR='"$(HTTPD_MODULEDIR)"'
INCS_MONGO = $(INCS_CORE) -I$(SB)/store -I$(SB)/store/mongodb $(MONGO_DEFS) $(MONGOC_CFLAGS)
INCS_API   = $(INCS_CORE) -I$(SB)/store -I$(SB)/api
INCS_HTTPD = $(INCS_API) -I$(SB)/httpd $(HTTPD_CFLAGS)
INCS_SBCTL = $(INCS_CORE) -I$(SB)/store -I$(SB)/sbctl
INCS_TEST  = $(INCS_API) -I$(SB)/store/sqlite $(MONGO_DEFS) -Itest/unit

CORE_SRC  = $(sort $(wildcard $(SB)/core/*.c))
STORE_SRC = $(sort $(wildcard $(SB)/store/*.c) $(wildcard $(SB)/store/sqlite/*.c))
API_SRC   = $(sort $(wildcard $(SB)/api/*.c))
HTTPD_SRC = $(sort $(wildcard $(SB)/httpd/*.c)) $(SB)/mod_skillbarter.c
SBCTL_SRC = $(sort $(wildcard $(SB)/sbctl/*.c))
UNIT_SRC  = $(sort $(filter-out $(if $(filter 1,$(MONGO)),,test/unit/test_mongo_%.c), \
                               $(wildcard test/unit/test_*.c)))
# Canaries: broken on purpose, run only in the checker layers, which pass only if caught.
CANARY_SRC = $(sort $(wildcard test/unit/canary/*.c))
UNIT_GUARD = test/unit/sb_pool_guard.c

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
MIGRATIONS = $(sort $(wildcard sql/[0-9]*.sql))
CORE_OBJ  = $(call obj,$(CORE_SRC))
STORE_OBJ = $(call obj,$(STORE_SRC)) $(BUILD)/obj/gen/sb_migrations.o
API_OBJ   = $(call obj,$(API_SRC))
HTTPD_OBJ = $(call obj,$(HTTPD_SRC))
SBCTL_OBJ = $(call obj,$(SBCTL_SRC))
# core + store (SQLite), what every process links; the resource handlers without httpd
# (unit-tested)
LIB       = $(BUILD)/libskillbarter.a
API_LIB   = $(BUILD)/libskillbarter_api.a
MODULE    = $(BUILD)/mod_skillbarter.so
SBCTL     = $(BUILD)/sbctl
UNIT_BIN  = $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)
CANARY_BIN = $(CANARY_SRC:test/unit/%.c=$(BUILD)/test/%)

.PHONY: all deps run stop seed test test-unit test-asan test-valgrind test-integration bench bench-scale \
        bench-instr install clean format format-check check-conf
all: $(MODULE) $(SBCTL) $(if $(filter 1,$(MONGO)),$(MONGO_SO))

build/config.mk: configure
	./configure

$(CORE_OBJ): LAYER_INCS = $(INCS_CORE)
$(STORE_OBJ): LAYER_INCS = $(INCS_STORE)
$(API_OBJ): LAYER_INCS = $(INCS_API)
$(HTTPD_OBJ): LAYER_INCS = $(INCS_HTTPD)
$(SBCTL_OBJ): LAYER_INCS = $(INCS_SBCTL) -DSB_RUNTIME_DIR='"$(HTTPD_RUNTIMEDIR)"'
$(MONGO_OBJ): LAYER_INCS = $(INCS_MONGO)

$(BUILD)/obj/%.o: %.c build/config.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(LAYER_INCS) -c $< -o $@

# The migrations' names, rewritten only when the set changes, so removing or renaming one
# regenerates the embedded file too (a file that is gone cannot be a newer prerequisite).
MIGRATION_LIST = $(BUILD)/gen/migrations.list
$(shell mkdir -p $(BUILD)/gen && echo '$(MIGRATIONS)' | cmp -s - $(MIGRATION_LIST) \
        || echo '$(MIGRATIONS)' > $(MIGRATION_LIST))
$(BUILD)/gen/sb_migrations.c: $(MIGRATIONS) $(MIGRATION_LIST) tools/embed-sql.sh
	@mkdir -p $(dir $@)
	tools/embed-sql.sh $@ $(MIGRATIONS)

$(BUILD)/obj/gen/sb_migrations.o: $(BUILD)/gen/sb_migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LAYER_INCS) -c $< -o $@

$(LIB): $(CORE_OBJ) $(STORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(API_LIB): $(API_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The module is compiled with apxs' include set (httpd/ only) and linked as a plain shared
# object.
$(MODULE): $(HTTPD_OBJ) $(API_LIB) $(LIB)
	$(CC) -shared $(SANFLAGS) -o $@ $(HTTPD_OBJ) $(API_LIB) $(LIB) $(DEP_LIBS)

$(SBCTL): $(SBCTL_OBJ) $(LIB)
	$(CC) $(SANFLAGS) -o $@ $(SBCTL_OBJ) $(LIB) $(DEP_LIBS) -lm

# The MongoDB driver: its objects (also an archive, which its unit tests link), and the shared
# object store.c loads, with what it uses of core + store from the same library; it exports
# one symbol (sb_store_mongodb_plugin) and is never unloaded (-z nodelete). -z defs: every
# symbol it needs is resolved here, not found missing at dlopen.
$(MONGO_A): $(MONGO_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MONGO_SO): $(MONGO_OBJ) $(LIB)
	$(CC) -shared $(SANFLAGS) $(if $(SAN),,-Wl,-z,defs) -Wl,-z,nodelete -o $@ $(MONGO_OBJ) \
	    $(LIB) $(MONGOC_LIBS) $(DEP_LIBS) -lm

# Test binaries keep default visibility: the pool guard's apr_palloc & co. must be exported
# so that libapr's own calls reach them.
$(BUILD)/test/%: test/unit/%.c $(UNIT_GUARD) $(API_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) -fvisibility=default $(INCS_TEST) $(CMOCKA_CFLAGS) -o $@ $< \
	    $(UNIT_GUARD) $(API_LIB) $(LIB) $(DEP_LIBS) $(CMOCKA_LIBS) -lm

# The MongoDB driver's unit tests (test/unit/test_mongo_*.c) see its internals and link it.
$(BUILD)/test/test_mongo_%: test/unit/test_mongo_%.c $(UNIT_GUARD) $(MONGO_A) $(API_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) -fvisibility=default $(INCS_TEST) -I$(SB)/store/mongodb \
	    $(MONGOC_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(UNIT_GUARD) $(MONGO_A) $(API_LIB) $(LIB) \
	    $(MONGOC_LIBS) $(DEP_LIBS) $(CMOCKA_LIBS) -lm

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d $(BUILD)/obj/*/*/*/*.d \
                    $(BUILD)/test/*.d)

deps:
	@tools/install-deps.sh

# The web app: npm ci (when the lockfile changed) and vite build into build/web, redone only
# when something under htdocs/ changed (the stamp). The build prints the initial JS budget.
WEB_SRC = $(shell find htdocs -name node_modules -prune -o -path htdocs/test -prune -o -type f -print)
WEB_STAMP = build/.web-stamp
.PHONY: web test-web-unit test-e2e
all: web
web: $(WEB_STAMP)
$(WEB_STAMP): $(WEB_SRC)
	@tools/npm-ci.sh htdocs
	@echo "  VITE    htdocs -> build/web"
	@cd htdocs && nice npx --no-install vite build --logLevel warn
	@mkdir -p $(dir $@) && touch $@

test-web-unit:
	@tools/npm-ci.sh htdocs
	@test/run-web-unit.sh

test-e2e: all
	@tools/npm-ci.sh test/e2e
	@test/e2e/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@tools/devserver.sh run

stop:
	@tools/devserver.sh stop

# Restart the real-time daemon of a running development server (clients reconnect and recover).
.PHONY: restart-realtime
restart-realtime:
	@$(MAKE) --no-print-directory all
	@tools/devserver.sh restart-realtime

# make seed N=10000 [SEED=42]: realistic users in the dev server's store (run/dev), root made
# if needed; with SEED the same people on every run.
N ?= 1000
SEED ?=
seed: all
	@[ -f run/dev/conf/httpd.conf ] || tools/mkroot.sh run/dev $${PORT:-8080} $${MPM:-event}
	$(SBCTL) sqlite:run/dev/data/skillbarter.db seed $(N) $(if $(SEED),--seed $(SEED))
	@chown -R www-data:www-data run/dev/data 2>/dev/null || true

# Unit tests print TAP-ish lines through cmocka and a summary through test/run-unit.sh. The
# checker layers (asan, valgrind) turn on the pool guard and run the canaries, expecting them
# to be caught.
# The store tests load the MongoDB driver of this build (SKILLBARTER_MONGO_DRIVER); the
# driver's own tests link libmongoc, whose initialiser then runs before main, so its
# shared-memory counters are off for them too.
UNIT_LAYER ?= $(if $(SAN),unit-asan,unit)
UNIT_ENV = $(if $(filter 1,$(MONGO)),SKILLBARTER_MONGO_DRIVER=$(abspath $(MONGO_SO)) \
           MONGOC_DISABLE_SHM=1)
UNIT_DEPS = $(UNIT_BIN) $(CANARY_BIN) $(if $(filter 1,$(MONGO)),$(MONGO_SO))
test-unit: $(UNIT_DEPS)
	@$(UNIT_ENV) UNIT_LAYER=$(UNIT_LAYER) CANARIES="$(CANARY_BIN)" test/run-unit.sh $(UNIT_BIN)

test-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 test-unit

test-valgrind: $(UNIT_DEPS)
	@$(UNIT_ENV) UNIT_LAYER=unit-valgrind CANARIES="$(CANARY_BIN)" test/run-unit.sh $(UNIT_BIN)

.PHONY: test-fuzz
FUZZ_SECONDS ?= 5
test-fuzz:
	@test/fuzz/run.sh $(FUZZ_SECONDS)

test-integration: all mongo-probe
	@test/run-integration.sh

# The module built to accept an incomplete store driver (SB_STORE_ALLOW_INCOMPLETE), for the
# integration test that loads the MongoDB driver before all its operations exist and points it
# at a server that is not there (test/integration/mongo_unavailable.test.mjs). Never installed.
# Beside it, the driver's shared object of this build (the probe loads it from there).
.PHONY: mongo-probe
mongo-probe: $(if $(filter 1,$(MONGO)),$(MONGO_SO))
	@$(if $(filter 1,$(MONGO)),$(MAKE) --no-print-directory BUILD=build/mongo-probe \
	    EXTRA_CFLAGS=-DSB_STORE_ALLOW_INCOMPLETE build/mongo-probe/mod_skillbarter.so \
	    && cp $(MONGO_SO) build/mongo-probe/,true)

# The integration suite against an ASan+UBSan build of the module in the real httpd, and a
# canary build (SB_CANARY_HEAP_OVERFLOW) that the suite expects the sanitizer to catch.
.PHONY: test-integration-asan
test-integration-asan: all
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/mod_skillbarter.so \
	    $(if $(filter 1,$(MONGO)),build/asan/libskillbarter_mongo.so)
	@$(MAKE) --no-print-directory BUILD=build/asan-canary SAN=1 \
	    EXTRA_CFLAGS=-DSB_CANARY_HEAP_OVERFLOW build/asan-canary/mod_skillbarter.so
	@CC="$(CC)" SB_MODULE=$(CURDIR)/build/asan/mod_skillbarter.so \
	    SB_CANARY_MODULE=$(CURDIR)/build/asan-canary/mod_skillbarter.so test/run-integration.sh --asan

test: deps
	@$(MAKE) --no-print-directory all mongo-probe
	@test/run-all.sh

# Each row in slices between slices of the static file (test/bench/lib.sh: BENCH_SECONDS,
# BENCH_SLICES, BENCH_STATIC_SECONDS); the targets are in test/bench/targets.
bench: deps
	@$(MAKE) --no-print-directory all
	@test/bench/run.sh

bench-scale: deps
	@$(MAKE) --no-print-directory all
	@test/bench/scale.sh

# Instructions per request per route (callgrind, one httpd -X): repeatable on a loaded machine.
bench-instr: deps
	@$(MAKE) --no-print-directory all
	@test/bench/instr.sh

check-conf:
	@test/check-conf-reference.sh

install: $(MODULE) $(if $(filter 1,$(MONGO)),$(MONGO_SO))
	$(APXS) -i -n skillbarter $(MODULE)
	$(if $(filter 1,$(MONGO)),install -m 0644 $(MONGO_SO) $(DESTDIR)$(HTTPD_MODULEDIR)/)
	echo "LoadModule skillbarter_module $(HTTPD_MODULEDIR)/mod_skillbarter.so" \
	    > $(DESTDIR)$(HTTPD_SYSCONFDIR)/mods-available/skillbarter.load
	install -m 0644 conf/skillbarter.conf $(DESTDIR)$(HTTPD_SYSCONFDIR)/conf-available/skillbarter.conf

# Every C file of the tree, formatted by .clang-format; format-check (run by make test) fails
# on drift and names the files.
FORMAT_SRC = $(sort $(wildcard mod_skillbarter/*.c mod_skillbarter/*/*.[ch] \
                               mod_skillbarter/*/*/*.[ch] test/unit/*.[ch] test/unit/*/*.[ch] \
                               test/fuzz/*.c test/fuzz/*/*.c))
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@bad=$$(for f in $(FORMAT_SRC); do clang-format $$f | cmp -s - $$f || echo $$f; done); \
	if [ -n "$$bad" ]; then echo "format: not formatted by clang-format (make format):"; \
	    echo "$$bad"; echo "format: 0 passed, 1 failed"; exit 1; fi; \
	echo "format: 1 passed, 0 failed"

clean:
	rm -rf build

# The real-time daemon (mod_skillbarter/realtime/, prefix sbrt_): its codec and service code
# in build/libskillbarter_rt.a (unit-tested without libwebsockets' loop), the daemon
# build/skillbarter-realtime linking the same core + store library as the module.
INCS_RT   = $(INCS_CORE) -I$(SB)/store -I$(SB)/realtime $(LWS_CFLAGS)
RT_SRC    = $(filter-out $(SB)/realtime/sbrt_main.c,$(sort $(wildcard $(SB)/realtime/*.c)))
RT_OBJ    = $(call obj,$(RT_SRC))
RT_MAIN_OBJ = $(call obj,$(SB)/realtime/sbrt_main.c)
RT_LIB    = $(BUILD)/libskillbarter_rt.a
REALTIME  = $(BUILD)/skillbarter-realtime
$(RT_OBJ): LAYER_INCS = $(INCS_RT)
$(RT_MAIN_OBJ): LAYER_INCS = $(INCS_RT) -DSB_RUNTIME_DIR='"$(HTTPD_RUNTIMEDIR)"'
all: $(REALTIME)

$(RT_LIB): $(RT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(REALTIME): $(RT_MAIN_OBJ) $(RT_LIB) $(LIB)
	$(CC) $(SANFLAGS) -o $@ $(RT_MAIN_OBJ) $(RT_LIB) $(LIB) $(DEP_LIBS) $(LWS_LIBS) -lm

# The daemon's unit tests (test/unit/test_sbrt_*.c) see realtime/ and link its library.
$(BUILD)/test/test_sbrt_%: test/unit/test_sbrt_%.c $(UNIT_GUARD) $(RT_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS_ALL) -fvisibility=default $(INCS_TEST) -I$(SB)/realtime $(CMOCKA_CFLAGS) \
	    -o $@ $< $(UNIT_GUARD) $(RT_LIB) $(LIB) $(DEP_LIBS) $(LWS_LIBS) $(CMOCKA_LIBS) -lm

# The real-time integration files against an ASan+UBSan build of the daemon.
.PHONY: test-realtime-asan
test-realtime-asan: all
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build/asan/skillbarter-realtime
	@test/run-realtime-asan.sh

# skillbarter-realtime against Node's socket.io 4.8 (npm, into build/rt-bench), same run.
.PHONY: bench-realtime
bench-realtime: deps
	@$(MAKE) --no-print-directory all
	@test/bench/realtime/run.sh
