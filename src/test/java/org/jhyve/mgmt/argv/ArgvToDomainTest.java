package org.jhyve.mgmt.argv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jhyve.mgmt.TestCases;
import org.jhyve.mgmt.xml.DomainXmlException;
import org.jhyve.mgmt.xml.DomainXmlParser;
import org.jhyve.mgmt.xml.DomainXmlWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * native/: NAME.args (command lines as a user would paste them) in, NAME.xml out, NAME.warn the
 * expected warnings. native-errors/: NAME.args in, NAME.err the message. Plus the round trip
 * XML → command lines → XML → command lines over the argv/ cases.
 */
class ArgvToDomainTest {
    private static final String UUID = "c7a5fdbd-edaf-9455-926a-d65c16db1809";

    static List<String> cases() { return TestCases.names("native", ".args"); }

    static List<String> errorCases() { return TestCases.names("native-errors", ".args"); }

    /** Cases whose command line carries something domain XML cannot express. */
    private static final List<String> LOSSY = List.of("commandline");

    static List<String> roundTrip() {
        return TestCases.names("argv", ".xml").stream().filter(n -> !LOSSY.contains(n)).toList();
    }

    @Test
    void thereAreCases() {
        assertTrue(cases().size() >= 6);
        assertTrue(errorCases().size() >= 12);
        assertTrue(roundTrip().size() >= 40);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void parsesCommandLines(String name) throws Exception {
        var r = ArgvToDomain.parse(TestCases.read("native", name + ".args"), () -> UUID);
        var xml = DomainXmlWriter.write(r.domain());
        var warn = String.join("\n", r.warnings());
        if (Boolean.getBoolean("jhyve.regen")) {
            var dir = Path.of("src/test/resources/org/jhyve/mgmt/native");
            Files.writeString(dir.resolve(name + ".xml"), xml);
            if (!warn.isEmpty()) Files.writeString(dir.resolve(name + ".warn"), warn + "\n");
        }
        assertEquals(TestCases.read("native", name + ".xml"), xml);
        var expectedWarn = TestCases.exists("native", name + ".warn") ? TestCases.read("native", name + ".warn").strip() : "";
        assertEquals(expectedWarn, warn);
    }

    @ParameterizedTest
    @MethodSource("errorCases")
    void refusesBadCommandLines(String name) {
        var e = assertThrows(DomainXmlException.class,
                () -> ArgvToDomain.parse(TestCases.read("native-errors", name + ".args"), () -> UUID));
        assertEquals(TestCases.read("native-errors", name + ".err").strip(), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("roundTrip")
    void commandLinesSurviveTheRoundTrip(String name) throws Exception {
        var domain = DomainXmlParser.parse(TestCases.read("argv", name + ".xml"));
        var first = DomainToArgv.convert(domain, DomainToArgvTest.options());
        var back = ArgvToDomain.parse(first.toText(), () -> UUID);
        assertEquals(List.of(), back.warnings());
        var reparsed = DomainXmlParser.parse(DomainXmlWriter.write(back.domain()));
        var second = DomainToArgv.convert(reparsed, DomainToArgvTest.options());
        assertEquals(first.jhyve(), second.jhyve());
        assertEquals(first.loader(), second.loader());
    }

    @Test
    void memorySizesFollowBhyve() throws Exception {
        assertEquals(512L * 1024, ArgvToDomain.memsize("512"));
        assertEquals(2L * 1024 * 1024, ArgvToDomain.memsize("2G"));
        assertEquals(4096, ArgvToDomain.memsize("4194304"));
        assertEquals("aa", ArgvToDomain.letters(26));
    }

    @SuppressWarnings("unused")
    private static void unused() throws IOException {}
}
