# jhyve: the two commands a new user needs.
#   make demo   builds jhyve and the test guests, then boots the demo guest
#   make test   builds and runs every test (KVM integration tests run when /dev/kvm exists)
# Everything goes through bin/find-java25: the machine's default java may be older.
JAVA_HOME := $(shell bin/find-java25)
MVN := JAVA_HOME=$(JAVA_HOME) mvn -B -q
export JAVA_HOME

.PHONY: build demo test test-slow deps clean bench bench-quick

deps:
	bin/install-deps

build: deps
	$(MVN) package -DskipTests
	bin/aot-train

demo: build
	bin/jhyve -c 2 -m 256M -s 0,hostbridge -s 1,lpc -l com1,stdio \
	    -o jhyve.kernel=guests/build/testguest.elf -o jhyve.cmdline=demo demo; \
	    status=$$?; echo "jhyve exited with status $$status (1 = guest powered off)"; [ $$status -eq 1 ]

# Not quiet: Surefire's closing "Tests run: ..." line is the record CI reads.
test: deps
	rm -rf target/test-vmm target/test-shm
	JAVA_HOME=$(JAVA_HOME) mvn -B --no-transfer-progress test

# Opt-in slow groups (stock Linux boots): too slow for every CI run on nested KVM.
test-slow: deps
	rm -rf target/test-vmm target/test-shm
	JAVA_HOME=$(JAVA_HOME) mvn -B --no-transfer-progress test -Pslow

# jhyve next to QEMU on this machine; rewrites the table in BENCHMARKS.md (bench/bench.py --help).
bench: build
	bench/bench.py

# A few rounds of each metric, for a smoke check; prints the table without writing BENCHMARKS.md.
bench-quick: build
	bench/bench.py --quick --no-write

clean:
	$(MVN) clean
	$(MAKE) -C guests clean
