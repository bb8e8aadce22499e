package org.jhyve.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TopologyTest {
    static Topology of(String... kv) {
        ConfigTree t = new ConfigTree();
        for (int i = 0; i < kv.length; i += 2) t.set(kv[i], kv[i + 1]);
        return Topology.fromConfig(t);
    }

    @Test
    void defaultsAndProducts() {
        assertEquals(new Topology(1, 1, 1, 1), of());
        assertEquals(new Topology(4, 4, 1, 1), of("cpus", "4"), "sockets default to cpus");
        assertEquals(new Topology(8, 2, 2, 2), of("sockets", "2", "cores", "2", "threads", "2"));
        assertEquals(new Topology(2, 1, 2, 1), of("cores", "2"), "without cpus, sockets default to 1");
        assertEquals(new Topology(16, 16, 1, 1), of("cpus", "0x10"));
        assertEquals(new Topology(8, 2, 4, 1), of("cpus", "%(n)", "n", "8", "sockets", "2", "cores", "4"));
    }

    @Test
    void errorsAsBhyve() {
        assertEquals("Topology (4 sockets, 2 cores, 1 threads) does not match 4 vCPUs",
                assertThrows(ConfigException.class, () -> of("cpus", "4", "cores", "2")).getMessage());
        assertEquals("Invalid value for cores: '0'",
                assertThrows(ConfigException.class, () -> of("cores", "0")).getMessage());
        assertEquals("Invalid value for threads: '65536'",
                assertThrows(ConfigException.class, () -> of("threads", "65536")).getMessage());
        assertEquals("Invalid value for cpus: '2x'",
                assertThrows(ConfigException.class, () -> of("cpus", "2x")).getMessage());
        assertEquals("Computed number of vCPUs too high: 65536",
                assertThrows(ConfigException.class, () -> of("sockets", "256", "cores", "256")).getMessage());
    }

    @Test
    void availableVcpus() {
        of("cpus", "4").checkAvailable(4);
        assertEquals("8 vCPUs requested but only 4 available",
                assertThrows(ConfigException.class, () -> of("cpus", "8").checkAvailable(4)).getMessage());
    }
}
