/**
 * End-to-end tests of the jhyve command: each test runs jhyve as a child process (its own JVM,
 * real exit status, stdin/stdout, signals) through {@link org.jhyve.it.JhyveProcess}.
 * Classes tagged "kvm" boot guests/build/testguest.elf (see guests/README.md) and skip loudly
 * without /dev/kvm; the Cli* tests never open /dev/kvm and run everywhere.
 * Run only these: {@code mvn test -Dtest='org/jhyve/it/*'} (surefire reads a trailing ".*" of
 * "org.jhyve.it.*" as a method pattern and finds nothing).
 */
package org.jhyve.it;
