# vigil build. `make` builds everything into build/; `make SAN=1` builds the
# ASan+UBSan variant into build/san/. Every target first runs mk/deps.sh,
# which installs missing Debian packages (or prints the apt-get command).

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build/san
OPT := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build/rel
OPT := -O2
endif

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc

PKGS := libmicrohttpd jansson yajl libconfig sqlite3 libcurl zlib gnutls audit auparse libcap-ng
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS := -std=c11 -D_GNU_SOURCE -g $(OPT) -Wall -Wextra -Werror -Wformat=2 \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -fPIC \
	-Icommon -Ipolicy -Icollector -Ireports -Iagent $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(OPT) $(EXTRA_LDFLAGS)
LIBS := $(PKG_LIBS) -lm -lpthread

# Each source directory holds library files (prefix_*.c) and a main (vigil_*.c).
COMMON_SRC := $(wildcard common/vg_*.c)
POLICY_SRC := $(wildcard policy/pol_*.c)
COLLECTOR_SRC := $(wildcard collector/col_*.c)
REPORT_SRC := $(wildcard reports/rpt_*.c)
AGENT_SRC := $(wildcard agent/agent_*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_COMMON := $(BUILD)/lib/libvgcommon.a
LIB_POLICY := $(BUILD)/lib/libvgpolicy.a
LIB_COLLECTOR := $(BUILD)/lib/libvgcollector.a
LIB_REPORT := $(BUILD)/lib/libvgreport.a
LIB_AGENT := $(BUILD)/lib/libvgagent.a
ALL_LIBS := $(LIB_COLLECTOR) $(LIB_REPORT) $(LIB_AGENT) $(LIB_POLICY) $(LIB_COMMON)

BINS := $(BUILD)/bin/vigil-collector $(BUILD)/bin/vigil-policy $(BUILD)/bin/vigil-report \
	$(BUILD)/bin/vigil-agent
PAM_MODULE := $(BUILD)/lib/pam_vigil.so
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
# The insider scenario generator (tests/scenarios/), a test tool: not installed.
SCEN_SRC := $(wildcard tests/scenarios/*.c)
SCEN_GEN := $(BUILD)/tests-bin/vigil-scenario-gen

.PHONY: all deps check unit e2e demo bench install clean san fuzz
all: $(BINS) $(PAM_MODULE) $(SCEN_GEN)

deps:
	@sh mk/deps.sh

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
$(LIB_POLICY): $(call obj,$(POLICY_SRC))
$(LIB_COLLECTOR): $(call obj,$(COLLECTOR_SRC))
$(LIB_REPORT): $(call obj,$(REPORT_SRC))
$(LIB_AGENT): $(call obj,$(AGENT_SRC))
$(ALL_LIBS):
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^

# Mains are found by name: vigil-collector <- collector/vigil_collector.c.
$(BINS): $(ALL_LIBS)
$(BUILD)/bin/vigil-collector: $(call obj,collector/vigil_collector.c)
$(BUILD)/bin/vigil-policy: $(call obj,policy/vigil_policy.c)
$(BUILD)/bin/vigil-report: $(call obj,reports/vigil_report.c)
$(BUILD)/bin/vigil-agent: $(call obj,agent/vigil_agent.c)
$(BINS):
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ALL_LIBS) $(LIBS)

# The PAM module is loaded into sshd, su and login: it links libpam and libc
# only, and exports nothing but the pam_sm_* entry points.
$(PAM_MODULE): agent/pam_vigil.c agent/agent_pam_proto.h agent/agent_pam.h | deps
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) -fvisibility=hidden -shared -Wl,-z,defs -o $@ $< -lpam

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LIBS) -lcmocka

$(SCEN_GEN): $(call obj,$(SCEN_SRC)) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_COMMON) $(LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LIBS)

san: deps
	@$(MAKE) --no-print-directory SAN=1 all unit-bins

.PHONY: unit-bins
unit-bins: $(UNIT_BINS)

# make check: unit tests (release and sanitizer builds), then end-to-end
# tests against the sanitizer build; one summary line at the end.
check: deps
	@$(MAKE) --no-print-directory SAN=0 all unit-bins
	@$(MAKE) --no-print-directory SAN=1 all unit-bins
	@sh tests/run.sh build/rel build/san

demo: deps all
	@bash mk/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory SAN=0 all $(BENCH_BINS)
	@sh bench/run.sh build/rel

# make fuzz: the libFuzzer harnesses tests/fuzz/fuzz_*.c, built with clang
# (tests/fuzz/deps.sh installs it) against libraries instrumented for
# coverage, ASan and UBSan in build/fuzz/, then each run for FUZZ_SECONDS;
# one line per target. Not part of make check. clang's -Wformat=2 also
# flags vsnprintf with a va_list format (col_http.c's libmicrohttpd logger),
# which gcc accepts; that one warning is off here.
FUZZ_SECONDS ?= 60
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/bin/%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz:
	@sh tests/fuzz/deps.sh
	@$(MAKE) --no-print-directory SAN=1 CC=clang BUILD=build/fuzz \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link -Wno-format-nonliteral" fuzz-bins
	@sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)

$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LIBS)

install: all
	@sh mk/install.sh $(BUILD) "$(DESTDIR)" "$(PREFIX)"

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
