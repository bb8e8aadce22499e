package org.jhyve.mgmt.xml;

import java.util.List;

/** {@code <devices>}, one list per element kind, each in document order. */
public record Devices(List<Disk> disks, List<Controller> controllers, List<Filesystem> filesystems,
                      List<NetInterface> interfaces, List<Serial> serials, List<Serial> consoles,
                      List<Channel> channels, List<Input> inputs, List<Graphics> graphics, List<Sound> sounds,
                      List<Audio> audios, List<Video> videos, List<Hostdev> hostdevs, List<Rng> rngs) {
    public Devices {
        disks = List.copyOf(disks);
        controllers = List.copyOf(controllers);
        filesystems = List.copyOf(filesystems);
        interfaces = List.copyOf(interfaces);
        serials = List.copyOf(serials);
        consoles = List.copyOf(consoles);
        channels = List.copyOf(channels);
        inputs = List.copyOf(inputs);
        graphics = List.copyOf(graphics);
        sounds = List.copyOf(sounds);
        audios = List.copyOf(audios);
        videos = List.copyOf(videos);
        hostdevs = List.copyOf(hostdevs);
        rngs = List.copyOf(rngs);
    }

    public static final Devices EMPTY = new Devices(List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    public boolean isEmpty() { return this.equals(EMPTY); }
}
