#!/bin/sh
# The reference configuration (conf/skillbarter.conf) and the module's directive table
# (SB_DIRECTIVE_* in httpd/) must list the same directives — in the spirit of
# mod_auth_openidc's check_conf_reference.sh. Prints "conf: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
code=$(grep -ho '#define SB_DIRECTIVE_[A-Z_]* *"SkillBarter[A-Za-z]*"' "$top"/mod_skillbarter/httpd/*.h \
    | sed 's/.*"\(.*\)"/\1/' | sort -u)
ref=$(grep -o '^#\{0,1\}SkillBarter[A-Za-z]*' "$top/conf/skillbarter.conf" | tr -d '#' | sort -u)
pass=0; fail=0
for d in $code; do
    if echo "$ref" | grep -qx "$d"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "conf: $d is in the module but not in conf/skillbarter.conf"; fi
done
for d in $ref; do
    echo "$code" | grep -qx "$d" || { fail=$((fail + 1)); echo "conf: $d is documented but not in the module"; }
done
echo "conf: $pass passed, $fail failed, 0 skipped"
[ $fail -eq 0 ]
