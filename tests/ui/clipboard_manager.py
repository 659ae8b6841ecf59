"""A minimal clipboard manager after freedesktop's ClipboardManager spec, for the quit test.

It owns CLIPBOARD_MANAGER; asked to SAVE_TARGETS by a program about to exit, it fetches the
clipboard's text from that program, takes the CLIPBOARD over and answers; from then on it serves the
text. Prints "ready" once it owns the selection, and "saved <text>" after a hand-over.
"""

from __future__ import annotations

from Xlib import X, Xatom, display
from Xlib.protocol import event


def main() -> None:
    screen = display.Display()
    window = screen.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    manager, clipboard, save_targets, utf8, targets, saved_as = (
        screen.intern_atom(name)
        for name in ("CLIPBOARD_MANAGER", "CLIPBOARD", "SAVE_TARGETS", "UTF8_STRING", "TARGETS", "LABELDESK_SAVED")
    )
    window.set_selection_owner(manager, X.CurrentTime)
    screen.flush()
    print("ready", flush=True)
    saved: bytes | None = None
    pending = None

    def answer(request, prop) -> None:
        request.requestor.send_event(
            event.SelectionNotify(
                time=request.time,
                requestor=request.requestor,
                selection=request.selection,
                target=request.target,
                property=prop,
            )
        )
        screen.flush()

    while True:
        happened = screen.next_event()
        if happened.type == X.SelectionRequest and happened.selection == manager and happened.target == save_targets:
            pending = happened
            window.convert_selection(clipboard, utf8, saved_as, happened.time)
            screen.flush()
        elif happened.type == X.SelectionNotify and pending is not None:
            if happened.property != X.NONE:
                saved = bytes(window.get_full_property(saved_as, X.AnyPropertyType).value)
                window.set_selection_owner(clipboard, X.CurrentTime)
                print("saved", saved.decode(), flush=True)
            answer(pending, pending.property if happened.property != X.NONE else X.NONE)
            pending = None
        elif happened.type == X.SelectionRequest and happened.selection == clipboard and saved is not None:
            if happened.target == targets:
                happened.requestor.change_property(happened.property, Xatom.ATOM, 32, [targets, utf8, Xatom.STRING])
            else:
                happened.requestor.change_property(happened.property, happened.target, 8, saved)
            answer(happened, happened.property)


if __name__ == "__main__":
    main()
