package org.jhyve.mgmt.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesAndReadsBack() {
        var m = new LinkedHashMap<String, Object>();
        m.put("op", "define");
        m.put("xml", "<domain type='bhyve'>\n  <name>a\"b\\c</name>\t\u0001</domain>");
        m.put("n", 42L);
        m.put("x", 1.5);
        m.put("flags", Arrays.asList(true, false, null));
        m.put("nested", Map.of("k", List.of()));
        var text = Json.write(m);
        assertEquals("{\"op\":\"define\",\"xml\":\"<domain type='bhyve'>\\n  <name>a\\\"b\\\\c</name>\\t\\u0001</domain>\","
                + "\"n\":42,\"x\":1.5,\"flags\":[true,false,null],\"nested\":{\"k\":[]}}", text);
        assertEquals(m, Json.parseObject(text));
        assertEquals("é€", Json.parse("\"\\u00e9\\u20ac\""));
    }

    @Test
    void refusesBrokenText() {
        for (var bad : List.of("{", "{\"a\" 1}", "[1,]", "\"open", "tru", "{} x", "{\"a\":01x}")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject("[1]"));
        assertEquals("JSON text is not an object: [1]", e.getMessage());
    }

    @Test
    void runStateSurvivesItsFile() {
        var s = new RunState("vm1", 3, 100, 1700000000000L, 101, Map.of("com1", "/dev/pts/4"), List.of("vnet0"),
                List.of(5900), true, 1700000000123L);
        assertEquals(s, RunState.fromJson(s.toJson()));
    }
}
