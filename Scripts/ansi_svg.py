#!/usr/bin/env python3
"""Turns a tmux capture with escapes (`capture-pane -e -p`) into an SVG picture.

    python3 Scripts/ansi_svg.py CAPTURE.ansi OUT.svg --width 120 --title "livetop demo"

rich does the work (its ANSI decoder and its SVG export); the terminal's own colours are kept,
so the picture shows what the pty showed. Used by Scripts/captures.sh for README's pictures.
"""
import argparse
import io
import sys

try:
    from rich.console import Console
    from rich.text import Text
except ImportError:  # captures.sh installs it; say so when run by hand
    sys.exit("ansi_svg.py: needs rich (python3 -m pip install rich)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, required=True, help="the pane's columns")
    parser.add_argument("--title", default="livetop")
    args = parser.parse_args()
    with open(args.capture, encoding="utf-8", errors="replace") as f:
        lines = f.read().rstrip("\n").split("\n")
    console = Console(record=True, width=args.width, file=io.StringIO(),
                      color_system="truecolor", legacy_windows=False, force_terminal=True)
    for line in lines:
        # no_wrap and crop: a row is exactly one terminal row, as tmux captured it
        console.print(Text.from_ansi(line), no_wrap=True, crop=True, overflow="crop")
    console.save_svg(args.out, title=args.title)


if __name__ == "__main__":
    main()
