# mixdown — the two commands of the quick start, and a few more.
#   make demo   install what is missing, build Release, mix and master the demo session
#   make test   install, build, run every test, then the unit tests again under ASan+UBSan
#   make bench  benchmarks against ffmpeg / libebur128 on this machine
#   make fuzz   libFuzzer harnesses for a bounded time     make tsan   threaded tests under TSan
SHELL := /bin/bash
JOBS  ?= $(shell nproc)
BUILD ?= build
ASAN  ?= build-asan
TSAN  ?= build-tsan
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build demo test test-fast asan tsan bench fuzz clean format

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./scripts/demo.sh $(BUILD)/mixdown

# Every test: unit + conformance + end-to-end + the fuzz harnesses' replay (Release), then the
# unit, bad-input and fuzz-replay suites under ASan+UBSan. The closing line of each ctest run says
# how many passed and failed. (libFuzzer's coverage-guided runs need a third, clang-built tree:
# that is `make fuzz`, kept out of `make test` for its 20-minute budget on 2 cores.)
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	$(MAKE) asan

# -O1 -g1 (line tables only): ASan's recommended optimisation, and half the compile time of
# -O2 -g (the sanitized build was 11 of make test's 20 minutes on 2 cores).
asan: deps
	@[ -f $(ASAN)/CMakeCache.txt ] || cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
	  -DMIXDOWN_SANITIZE=ON -DMIXDOWN_BENCH=OFF
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=suppressions=$(CURDIR)/fuzz/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  MIXDOWN_SANITIZED=1 ctest --output-on-failure -j $(JOBS) -L 'unit|badinput|fuzz' --timeout 900

tsan: deps
	@[ -f $(TSAN)/CMakeCache.txt ] || cmake -S . -B $(TSAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DMIXDOWN_TSAN=ON -DMIXDOWN_BENCH=OFF
	cmake --build $(TSAN) -j $(JOBS) --target graph_tests core_tests
	cd $(TSAN) && TSAN_OPTIONS=halt_on_error=1 ./graph_tests && ./core_tests

bench: build
	./bench/run.sh $(BUILD)

fuzz: deps
	@EXTRA_PKGS="clang libclang-rt-14-dev" ./scripts/install-deps.sh
	./fuzz/run.sh $${FUZZ_SECONDS:-60}

format:
	clang-format -i $$(git ls-files 'src/*.?pp' 'tests/*.?pp' 'bench/*.?pp')

clean:
	rm -rf $(BUILD) $(ASAN) $(TSAN) build-fuzz out
