# Thin front for CMake. `make` builds Release into build/.
BUILD ?= build
SAN_BUILD ?= build-sanitize
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all check check-busy sanitize tsan bench bench-quick bench-docs install clean format tidy fuzz fuzz-smoke

all: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/Makefile:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

check: all
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The release tests and the TSan tests with two CPU-burning processes beside them.
check-busy:
	@bash scripts/test-busy.sh $(BUILD) $(TSAN_BUILD)

sanitize:
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DZN_SANITIZE=ON $(CMAKE_FLAGS)
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# The thread sanitizer on the tests that run work on the pool (the pool itself,
# threaded GEMV and GEMM, training on two threads).
TSAN_BUILD ?= build-tsan
TSAN_TESTS ?= test_pool test_sgemv test_gemm test_train test_conv1d test_pool1d test_norm test_embed test_rnn
tsan:
	@bash scripts/tsan.sh $(TSAN_BUILD) $(TSAN_TESTS)

bench: all
	@$(BUILD)/zenn bench $(BENCH_ARGS)

# Every suite once, then docs/BENCHMARKS.md and its report screenshot (needs the peers and Chromium).
bench-docs: all
	@bash scripts/bench_docs.sh $(BUILD) $(BENCH_ARGS)

bench-quick: all
	@$(BUILD)/zenn bench --quick $(BENCH_ARGS)

# Coverage-guided fuzzing of every parser (clang + libFuzzer). FUZZ_SECONDS per target.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
fuzz:
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke:
	@bash scripts/fuzz.sh $(FUZZ_BUILD) 20

install: all
	@cmake --install $(BUILD) --prefix $(PREFIX) $(if $(DESTDIR),,)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

tidy: all
	@clang-tidy -p $(BUILD) $$(git ls-files 'src/*.c') 2>/dev/null | grep -E 'warning|error' || true

clean:
	@rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
