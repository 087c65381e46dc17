"""``python -m bench.markdown``: the CPU time of rendering the costliest Markdown a text
post may hold, to check the budget in ``tumblelog/markup.py``.

Each shape is repeated up to the length cap and rendered ``--runs`` times; the table
gives the worst thread CPU time per shape and whether the text was accepted. The
claim to check: no accepted text took longer than ``RENDER_BUDGET_SECONDS``, and a
refused one cost little more.
"""
import argparse
import time

from tumblelog.markup import MAX_MARKDOWN_LENGTH, RENDER_BUDGET_SECONDS, MarkdownTooComplex, render_markdown

# Prose first, then shapes that make markdown-it slow (brackets, emphasis runs, lists,
# tables, autolink starts, entities), each as one long paragraph or block.
SHAPES = [
    "Lorem *ipsum* dolor [sit](https://example.com) amet, `consectetur` adipiscing elit. ",
    "[!", "![a", "[", "[a", "[a](", "[](", "](", "*_", "_a", "*a", "**", "~~", "`", "<", "<a", "&#",
    "a\n", "- a\n", "  - ", "> ", "1. ", "|a|\n|-|\n", "[x]: ", "\\[",
]


def measure(runs):
    rows = []
    for shape in SHAPES:
        text = (shape * (MAX_MARKDOWN_LENGTH // len(shape) + 1))[:MAX_MARKDOWN_LENGTH]
        worst, accepted = 0.0, True
        for _ in range(runs):
            start = time.thread_time()
            try:
                render_markdown(text)
            except MarkdownTooComplex:
                accepted = False
            worst = max(worst, time.thread_time() - start)
        rows.append((shape, worst * 1000, accepted))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    rows = measure(parser.parse_args().runs)
    print(f"{MAX_MARKDOWN_LENGTH:,} characters each; budget {RENDER_BUDGET_SECONDS * 1000:.0f} ms of CPU\n")
    print("| shape | worst ms | |\n|---|--:|---|")
    for shape, ms, accepted in rows:
        print(f"| `{shape!r}` | {ms:.1f} | {'accepted' if accepted else 'refused'} |")
    accepted = [ms for _, ms, ok in rows if ok]
    refused = [ms for _, ms, ok in rows if not ok]
    print(f"\nslowest accepted: {max(accepted, default=0):.1f} ms; slowest refused: {max(refused, default=0):.1f} ms")


if __name__ == "__main__":
    main()
