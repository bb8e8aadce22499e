package org.jhyve.mgmt.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.jhyve.mgmt.TestCases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DomainXmlRoundTripTest {

    static List<String> canonical() { return TestCases.names("xml", ".xml"); }

    static Stream<String> allInputs() {
        return Stream.concat(canonical().stream().map(n -> "xml/" + n + ".xml"),
                TestCases.names("argv", ".xml").stream().map(n -> "argv/" + n + ".xml"));
    }

    @Test
    void thereAreCases() {
        assertFalse(canonical().size() < 20, "expected the per-element cases, found " + canonical());
    }

    /** The case files are written in the writer's canonical form: XML → model → XML is the identity. */
    @ParameterizedTest
    @MethodSource("canonical")
    void canonicalCasesRoundTripExactly(String name) throws Exception {
        var xml = TestCases.read("xml", name + ".xml");
        assertEquals(xml, DomainXmlWriter.write(DomainXmlParser.parse(xml)));
    }

    /** Any accepted input reaches a fixed point after one pass, and the model survives writing. */
    @ParameterizedTest
    @MethodSource("allInputs")
    void everyInputIsStableAfterOnePass(String file) throws Exception {
        var dir = file.substring(0, file.indexOf('/'));
        var model = DomainXmlParser.parse(TestCases.read(dir, file.substring(dir.length() + 1)));
        var once = DomainXmlWriter.write(model);
        var reparsed = DomainXmlParser.parse(once);
        assertEquals(model, reparsed);
        assertEquals(once, DomainXmlWriter.write(reparsed));
    }

    @Test
    void errorCasesExist() {
        assertFalse(TestCases.names("xml-errors", ".xml").size() < 20);
    }

    @ParameterizedTest
    @MethodSource("errorCases")
    void invalidInputIsRefusedWithLibvirtStyleMessage(String name) {
        var xml = TestCases.read("xml-errors", name + ".xml");
        var expected = TestCases.read("xml-errors", name + ".err").strip();
        var e = assertThrows(DomainXmlException.class, () -> DomainXmlParser.parse(xml));
        assertEquals(expected, e.getMessage());
    }

    static List<String> errorCases() { return TestCases.names("xml-errors", ".xml"); }
}
