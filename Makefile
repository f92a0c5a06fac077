# regel — a rules engine for a small policy language.
#
#   make            build/regel, build/libregel.a, build/libregel.so
#   make demo       run the shipped policies on the bundled sample exports
#   make test       unit, golden, policy, bad-input, embedding, LSP, editor, server and out-of-memory tests
#   make test SANITIZE=1   the same under AddressSanitizer + UBSan
#   make coverage   the test suite on a --coverage build: line and branch coverage of src/
#   make bench      the benchmark against jq, Lua and LuaJIT
#   make bench-embed   the embedded hot path (ns per decision) against Lua and LuaJIT
#   make serve-bench   regel serve under wrk (decisions/s, p50/p99) beside regel run
#   make serve-soak    regel serve under load for ten minutes, its memory sampled
#   make install PREFIX=DIR   regel, libregel.a, libregel.so, regel.h and regel.pc
#   make tsan       the thread test under ThreadSanitizer (build/tsan)
#   make fuzz       every libFuzzer harness (tests/fuzz/) for FUZZ_SECONDS each (build/fuzz)
#   make fmt        lay the shipped policy files out with regel fmt
#   make deps       install the Debian packages the build needs
#
# Every build flavour has its own folder under build/, so switching flavours
# never mixes objects.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# Debian packages: the build, the tests, and the benchmark's peers.
DEB_BUILD := flex bison pkg-config libgc-dev libcriterion-dev libcsv-dev \
             libutf8proc-dev libicu-dev libedit-dev libsodium-dev python3 \
             libmicrohttpd-dev
DEB_BENCH := jq lua5.4 luajit lua-cjson time
DEB_FUZZ := clang libclang-rt-dev
DEB_COV := gcovr
DEB_SERVE_BENCH := wrk

SANITIZE ?=
ifeq ($(SANITIZE),1)
  BUILD ?= build/san
  FLAVOUR_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
                    -fno-sanitize-recover=all -DREGEL_MALLOC_ALLOC -DREGEL_VM_CHECKS
  FLAVOUR_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(TSAN),1)
  # The collector stops threads with signals and reads their stacks, which
  # ThreadSanitizer takes for races: this build allocates with malloc, as
  # the other sanitizer builds do, so what it checks is regel's own code.
  BUILD ?= build/tsan
  FLAVOUR_CFLAGS := -O1 -fsanitize=thread -fno-omit-frame-pointer -DREGEL_MALLOC_ALLOC -DREGEL_VM_CHECKS
  FLAVOUR_LDFLAGS := -fsanitize=thread
else ifeq ($(FUZZ),1)
  # libFuzzer needs clang's coverage instrumentation in the library too.
  BUILD ?= build/fuzz
  CC := clang
  FLAVOUR_CFLAGS := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                    -fno-sanitize-recover=all -DREGEL_MALLOC_ALLOC -DREGEL_VM_CHECKS
  FLAVOUR_LDFLAGS := -fsanitize=fuzzer,address,undefined
else ifeq ($(COVERAGE),1)
  BUILD ?= build/cov
  FLAVOUR_CFLAGS := -O0 --coverage -fprofile-update=atomic
  FLAVOUR_LDFLAGS := --coverage
else
  BUILD ?= build
  FLAVOUR_CFLAGS := -O2
  FLAVOUR_LDFLAGS :=
endif

VERSION := 0.1.0
SOVERSION := 0

CC ?= gcc
ifeq ($(origin CC),default)
  CC := gcc
endif
# V=1 shows the full commands.
ifeq ($(V),1)
  Q :=
  say := @true
else
  Q := @
  say := @printf '  %-7s %s\n'
endif
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-unused-parameter
# Generated scanner and parser: their code is not ours to tidy.
GEN_WARN := -Wall -Werror -Wno-unused-function -Wno-unused-but-set-variable -Wno-sign-compare

PKGS := bdw-gc icu-uc icu-i18n libutf8proc libsodium

ifeq ($(filter clean deps,$(MAKECMDGOALS)),)
-include $(BUILD)/config.mk
endif

CPPFLAGS := -Isrc -I$(BUILD)/gen -D_GNU_SOURCE -DREGEL_VERSION='"$(VERSION)"'
CFLAGS := -std=gnu11 -g -fPIC -fvisibility=hidden $(FLAVOUR_CFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS := $(PKG_LIBS) -lcsv -lm -lpthread
LDFLAGS := $(FLAVOUR_LDFLAGS)

GEN := $(BUILD)/gen
# The REPL and the server are part of the command only: they link libedit
# and libmicrohttpd.
LIB_SRC := $(filter-out src/main.c src/repl.c src/serve.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/parser.o \
           $(BUILD)/obj/scanner.o $(BUILD)/obj/stdlib_data.o
STDLIB := $(sort $(wildcard stdlib/*.regel))

REGEL := $(BUILD)/regel
LIBA := $(BUILD)/libregel.a
LIBSO := $(BUILD)/libregel.so

.PHONY: all deps demo test unit golden policy-test bad-test coverage bench clean check-format fmt \
        install embed-test thread-test tsan fuzz bench-embed
all: $(REGEL) $(LIBA) $(LIBSO)

# ---------------------------------------------------------------- deps
# Installs what is missing when run as root; otherwise prints the command.
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_EXTRA); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	else \
	  echo "make deps: missing Debian packages. Run:"; \
	  echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

# Compiler and linker flags of the libraries, found once after deps.
$(BUILD)/config.mk: Makefile
	@$(MAKE) --no-print-directory deps
	@mkdir -p $(BUILD)
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; \
	   echo "CRITERION_LIBS := $$(pkg-config --libs criterion)"; \
	   echo "EDIT_LIBS := $$(pkg-config --libs libedit)"; \
	   echo "MHD_LIBS := $$(pkg-config --libs libmicrohttpd)"; } > $@

# ---------------------------------------------------------------- build
$(GEN)/parser.c $(GEN)/parser.h &: grammar/regel.y
	@mkdir -p $(GEN)
	$(say) BISON $<
	$(Q)bison -Wall -Werror --defines=$(GEN)/parser.h -o $(GEN)/parser.c $<

$(GEN)/scanner.c $(GEN)/scanner.h &: grammar/regel.l
	@mkdir -p $(GEN)
	$(say) FLEX $<
	$(Q)flex --header-file=$(GEN)/scanner.h -o $(GEN)/scanner.c $<

# The stdlib is compiled into the binary so regel works from any folder.
$(GEN)/stdlib_data.c: $(STDLIB) Makefile
	@mkdir -p $(GEN)
	@{ echo '/* generated by the Makefile from the files in stdlib/ */'; \
	   echo '#include "stdlib_data.h"'; \
	   for f in $(STDLIB); do \
	     n=$$(basename $$f .regel | tr -c 'A-Za-z0-9_\n' '_'); \
	     echo "static const char src_$$n[] = {"; \
	     od -An -v -tx1 $$f | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	     echo '0x00};'; \
	   done; \
	   echo 'const StdlibFile stdlib_files[] = {'; \
	   for f in $(STDLIB); do \
	     n=$$(basename $$f .regel | tr -c 'A-Za-z0-9_\n' '_'); \
	     echo "  {\"$$(basename $$f .regel)\", src_$$n, sizeof src_$$n - 1},"; \
	   done; \
	   echo '  {0, 0, 0}};'; } > $@

$(BUILD)/obj/parser.o: $(GEN)/parser.c $(GEN)/scanner.h
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(GEN_WARN) -c $< -o $@

$(BUILD)/obj/scanner.o: $(GEN)/scanner.c $(GEN)/parser.h
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(GEN_WARN) -c $< -o $@

$(BUILD)/obj/stdlib_data.o: $(GEN)/stdlib_data.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

# Every object may include the generated headers.
$(BUILD)/obj/%.o: src/%.c | $(GEN)/parser.h $(GEN)/scanner.h
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

$(LIBSO): $(LIB_OBJ) src/regel.map
	$(say) LD $@
	$(Q)$(CC) -shared -Wl,-soname,libregel.so.$(SOVERSION) -Wl,--version-script=src/regel.map $(LDFLAGS) -o $@ \
	    $(LIB_OBJ) $(LDLIBS)

$(REGEL): $(BUILD)/obj/main.o $(BUILD)/obj/repl.o $(BUILD)/obj/serve.o $(LIBA)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(EDIT_LIBS) $(MHD_LIBS)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d)

# ---------------------------------------------------------------- tests
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.o)
UNIT := $(BUILD)/tests/unit_tests

$(BUILD)/tests/%.o: tests/unit/%.c | $(GEN)/parser.h $(GEN)/scanner.h
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) -DSOURCE_ROOT='"$(CURDIR)"' -DREGEL_BIN='"$(CURDIR)/$(REGEL)"' $(CFLAGS) $(WARN) \
	    -Wno-missing-prototypes -c $< -o $@

# The out-of-memory tests (test_oom.c) drive the REPL in-process, so its
# object and libedit come along.
$(UNIT): $(UNIT_OBJ) $(BUILD)/obj/repl.o $(LIBA)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CRITERION_LIBS) $(EDIT_LIBS) -lutil

# libgc and ASan both watch the stack; the collector's own blocks are not
# collected in sanitizer builds, so leak reports would be noise.
export ASAN_OPTIONS := detect_stack_use_after_return=0:detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

# The REPL's tests drive the command itself through a pseudo-terminal.
unit: $(UNIT) $(REGEL)
	$(UNIT) --jobs 2 --short-filename

golden: $(REGEL)
	@tests/golden/run $(REGEL)

policy-test: $(REGEL)
	@tests/policies/run $(REGEL)

# The shipped policy files are kept in the layout of `regel fmt`.
FORMATTED := policies stdlib tests/bench
check-format: $(REGEL)
	@$(REGEL) fmt --check $(FORMATTED) && echo "format: every shipped policy file is formatted"

fmt: $(REGEL)
	@$(REGEL) fmt $(FORMATTED)

# Damaged policies and exports, each with its exact diagnostic (tests/bad/).
bad-test: $(REGEL)
	@tests/bad/run $(REGEL)

# regel run with too little memory: one line and exit 7 (tests/oom/run;
# the failures injected into every entry point are in the unit tests).
.PHONY: oom-test
oom-test: $(REGEL)
	@tests/oom/run $(REGEL) $(if $(filter 1,$(SANITIZE)),asan,gc)

# The language server, driven by a scripted JSON-RPC client.
.PHONY: lsp-test editor-test
lsp-test: $(REGEL)
	@python3 tests/lsp/test_lsp.py $(REGEL)

# The editor support, each part in its editor (tests/editor/run). The
# editors, and npm for the VS Code grammar's test tool, are installed
# through deps for these tests only; without root they are skipped.
DEB_EDITOR := vim neovim emacs-nox $(if $(shell command -v npm),,nodejs npm)
editor-test: $(REGEL)
	@if $(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_EDITOR)"; then \
	  tests/editor/run $(REGEL) build/editor-node; \
	else \
	  echo "editor-test: skipped, the editors are not installed (make deps as root installs them)"; \
	fi

test: all unit golden policy-test check-format bad-test embed-test lsp-test editor-test serve-test oom-test

# regel serve, driven over HTTP by tests/serve/run (every endpoint, reload,
# limits, SIGTERM drain, SIGKILL during a burst); serve-bench measures it
# with wrk beside regel run.
.PHONY: serve-test serve-bench serve-soak
serve-test: $(REGEL)
	@python3 tests/serve/run $(REGEL)

serve-bench: $(REGEL)
	@$(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_SERVE_BENCH)"
	@tests/serve/load $(REGEL)

# Ten minutes of steady load, memory read every 30 s (SOAK_SECONDS=N).
serve-soak: $(REGEL)
	@$(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_SERVE_BENCH)"
	@tests/serve/soak $(REGEL)

# ---------------------------------------------------------------- coverage
# The whole test suite on a build with gcov counters (build/cov), then the
# line and branch coverage of src/ (the generated parser and scanner aside).
coverage:
	@$(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_COV)"
	@rm -f build/cov/obj/*.gcda build/cov/tests/*.gcda
	@$(MAKE) --no-print-directory -k COVERAGE=1 test; status=$$?; \
	 gcovr --root . --filter 'src/' --exclude-unreachable-branches --print-summary \
	     --sort-percentage build/cov/obj | cut -c1-64; \
	 exit $$status

# ---------------------------------------------------------------- demo
TODAY_DEMO := 2026-11-22
demo: $(REGEL)
	@$(REGEL) run policies/ --data policies/exports --today $(TODAY_DEMO) --format table

# ---------------------------------------------------------------- bench
bench: $(REGEL)
	@$(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_BENCH)"
	tests/bench/run $(REGEL)
	tests/bench/scale $(REGEL)
	@$(MAKE) --no-print-directory bench-embed

# ---------------------------------------------------------------- install
# PREFIX is where make install puts the command, the library, its header
# and its pkg-config file; DESTDIR, if given, is prepended for packaging.
PREFIX ?= /usr/local
LIBDIR := $(PREFIX)/lib
INCLUDEDIR := $(PREFIX)/include

install: all
	@install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	@install -m 755 $(REGEL) $(DESTDIR)$(PREFIX)/bin/regel
	@install -m 644 src/regel.h $(DESTDIR)$(INCLUDEDIR)/regel.h
	@install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/libregel.a
	@install -m 755 $(LIBSO) $(DESTDIR)$(LIBDIR)/libregel.so.$(VERSION)
	@ln -sf libregel.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libregel.so.$(SOVERSION)
	@ln -sf libregel.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libregel.so
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' src/regel.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/regel.pc
	@echo "installed regel $(VERSION) in $(DESTDIR)$(PREFIX)"

# ---------------------------------------------------------------- embedding
# A host program built only from regel.h against an installed copy of the
# library (pkg-config), the thread test, precompiled files from source and
# back, damaged and signed ones (tests/embed/run).
THREADS := $(BUILD)/tests/threads
$(THREADS): tests/embed/threads.c $(LIBA)
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

thread-test: $(THREADS)
	$(THREADS)

embed-test: all $(THREADS)
	@rm -rf $(BUILD)/embed
	@$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(BUILD)/embed/prefix >/dev/null
	@tests/embed/run $(BUILD) $(CURDIR)/$(BUILD)/embed/prefix "$(CC)" "$(FLAVOUR_LDFLAGS)"

tsan:
	@$(MAKE) --no-print-directory TSAN=1 thread-test

# ---------------------------------------------------------------- fuzzing
# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c), run one after the other
# for FUZZ_SECONDS each by tests/fuzz/run: image (the .rgc loader and
# verifier), policy (scanner, parser, checker, compiler, disassembler,
# formatter), csv and jsonl (the export readers, through regel_run), eval
# (a policy and its exports, compiled and run). Each starts from its seeds
# in tests/fuzz/corpus/NAME and replays tests/fuzz/regressions/NAME; what
# it finds new goes to build/fuzz/NAME/corpus, a crash to
# build/fuzz/NAME/crash-*. This build allocates with malloc and frees
# nothing the collector would (as the sanitizer builds do), so memory grows
# by gigabytes a minute: tests/fuzz/run uses libFuzzer's fork mode, whose
# child processes stop at a memory limit and are started again.
# make fuzz FUZZ_HARNESSES="csv jsonl" runs some of them.
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?= image policy csv jsonl eval
FUZZERS := $(FUZZ_HARNESSES:%=$(BUILD)/tests/fuzz_%)
$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(LIBA)
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) $(WARN) -Isrc $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

fuzz:
	@$(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_FUZZ)"
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-run

.PHONY: fuzz-run
fuzz-run: $(FUZZERS)
	@tests/fuzz/run $(BUILD) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# ---------------------------------------------------------------- bench (embedded)
bench-embed: $(LIBA)
	@$(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_BENCH)"
	tests/bench/embed-run $(BUILD) "$(CC)"

clean:
	rm -rf build
