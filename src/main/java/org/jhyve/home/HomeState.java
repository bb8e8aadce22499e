package org.jhyve.home;

/** What a VM home holds, as {@code jhyvectl --list} reports it. */
public enum HomeState {
    /** jhyveload is placing a kernel in it now. */
    LOADING("loading"),
    /** A kernel is loaded; {@code jhyve NAME} will run it. */
    LOADED("loaded"),
    /** A jhyve process runs the guest. */
    RUNNING("running"),
    /** It ran and ended (reboot, power-off, ...); load it again before the next run. */
    STOPPED("stopped"),
    /** Its owner died without cleaning up; only {@code jhyvectl --destroy} touches it. */
    STALE("stale");

    public final String word;

    HomeState(String word) { this.word = word; }
}
