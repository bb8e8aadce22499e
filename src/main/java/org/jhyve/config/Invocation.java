package org.jhyve.config;

import java.util.Objects;
import java.util.Optional;

/** What a bhyve command line asks for, as {@link BhyveOptions#parse(String[])} understood it. */
public sealed interface Invocation {

    /**
     * Run a VM configured by tree (already checked the way bhyve checks before creating the VM:
     * topology, vCPU pinning, memory size, UUID, LPC placement). restoreFile is -r's snapshot.
     */
    record Run(ConfigTree tree, Optional<String> restoreFile) implements Invocation {
        public Run {
            Objects.requireNonNull(tree, "tree");
            Objects.requireNonNull(restoreFile, "restoreFile");
        }

        public Run(ConfigTree tree) { this(tree, Optional.empty()); }
    }

    /** -h: print {@link BhyveOptions#usage(String)} to stderr and exit 0. */
    record Usage() implements Invocation {}

    /** -s help: print {@link DeviceNames#PCI}, one per line, on stdout and exit 0. */
    record ListPci() implements Invocation {}

    /** -l help: print {@link DeviceNames#LPC}, one per line, on stdout and exit 0. */
    record ListLpc() implements Invocation {}

    /**
     * config.dump=true: print {@code tree.dump()} on stdout and exit with
     * {@link BhyveOptions#DUMP_EXIT_STATUS} (bhyve's dump_config() is followed by exit(1)).
     */
    record Dump(ConfigTree tree) implements Invocation {
        public Dump { Objects.requireNonNull(tree, "tree"); }
    }
}
