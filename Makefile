# The two commands of the README: `make run` and `make test`.
.PHONY: deps build release run test bench clean

# ccache keys on paths relative to the checkout, so a fresh clone (CI) reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

deps:
	@bash scripts/install-deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release

build: deps
	cmake --preset debug >/dev/null
	cmake --build --preset debug

# Builds the release binary and starts `eddy serve` on the embedded store (./eddy-data).
run: release
	./build/release/eddy serve $(ARGS)

# Builds the debug (ASan+UBSan) tree and runs every test suite.
test: build
	ctest --preset debug

# The standard benchmark set (bench/run_bench.sh, about 3 minutes): release eddy pinned to
# core 0, eddy-bench to core 1; writes bench/results/<date>.json. See BENCHMARKS.md.
bench: deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target eddy eddy-bench eddy-microbench
	bash bench/run_bench.sh
