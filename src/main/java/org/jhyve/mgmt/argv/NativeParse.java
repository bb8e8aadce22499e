package org.jhyve.mgmt.argv;

import java.util.List;
import org.jhyve.mgmt.xml.Domain;

/** What {@code domxml-from-native} produced: the domain and the parts of the command lines it had to drop. */
public record NativeParse(Domain domain, List<String> warnings) {
    public NativeParse {
        warnings = List.copyOf(warnings);
    }
}
