#!/usr/bin/python3
"""The doc-example runner's own checks: shown output that differs must fail, `…` must not hide
what is shown, and a command block without a directive must be reported."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_examples as d  # noqa: E402


class ShownJson(unittest.TestCase):
    def check(self, shown, actual):
        return d.mismatch(d.parse_shown_json(shown), actual)

    def test_equal_values_match_and_extra_fields_are_allowed(self):
        self.assertIsNone(self.check('{"a": 1, "b": "x"}', {"a": 1, "b": "x", "c": [1]}))

    def test_a_different_value_fails_naming_where(self):
        problem = self.check('{"plan": {"status": "COMPLETE"}}', {"plan": {"status": "PROVISIONAL"}})
        self.assertIn("$.plan.status", problem)

    def test_a_missing_field_fails(self):
        self.assertIn("no field 'course'", self.check('{"course": {}}', {"plan": {}}))

    def test_ellipsis_as_value_item_and_string_tail(self):
        shown = '{"id": "pl_…", "steps": [{"m": "a"}, …], "x": {…as above…}, "l": […]}'
        self.assertIsNone(self.check(shown, {"id": "pl_123", "steps": [{"m": "a"}, {"m": "b"}],
                                             "x": {"q": 1}, "l": []}))
        self.assertIsNotNone(self.check(shown, {"id": "xx_123", "steps": [{"m": "a"}], "x": {}, "l": []}))

    def test_ellipsis_as_a_keys_value_needs_the_key(self):
        self.assertIsNone(self.check('{"a": …, "b": 1}', {"a": [1, 2], "b": 1}))
        self.assertIsNotNone(self.check('{"a": …, "b": 1}', {"b": 1}))
        self.assertIsNotNone(self.check('{"a": …, "b": 1}', {"a": 0, "b": 2}))

    def test_lists_without_ellipsis_must_have_the_same_length(self):
        self.assertIsNotNone(self.check('{"l": [1]}', {"l": [1, 2]}))
        self.assertIsNotNone(self.check('{"l": [1, …]}', {"l": [2, 1]}))
        self.assertIsNone(self.check('{"l": […, 2]}', {"l": [1, 2]}))

    def test_numbers_match_at_the_precision_shown(self):
        self.assertIsNone(self.check('{"f": 0.43}', {"f": 0.428571}))
        self.assertIsNotNone(self.check('{"f": 0.43}', {"f": 0.44}))
        self.assertIsNotNone(self.check('{"b": true}', {"b": 1}))


class ShownText(unittest.TestCase):
    def test_lines_and_wildcards(self):
        self.assertIsNone(d.text_mismatch("a …\n…\nz\n", "a b\nc\nd\nz\n"))
        self.assertIsNotNone(d.text_mismatch("a\nb\n", "a\nc\n"))
        self.assertIsNotNone(d.text_mismatch("a\n", "a\nb\n"))


class Directives(unittest.TestCase):
    def blocks(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write(text)
        try:
            return d.read_blocks(f.name)
        finally:
            os.unlink(f.name)

    def test_given_keeps_its_semicolons(self):
        (b,) = self.blocks("<!-- example: run; exit 1; given a; b -->\n```sh\nx\n```\n")
        self.assertEqual((b.kind, b.clauses), ("run", ["exit 1", "given a; b"]))

    def test_output_block_follows_its_command(self):
        blocks = self.blocks("<!-- example: run -->\n```sh\nx\n```\n```json\n{}\n```\n\ntext\n\n```sh\ny\n```\n")
        self.assertEqual([b.follows for b in blocks], [False, True, False])
        self.assertIsNone(blocks[2].kind)

    def test_a_fence_with_text_after_it_is_refused(self):
        with self.assertRaises(SystemExit):
            self.blocks("```\nx\n``` and more\n")


if __name__ == "__main__":
    unittest.main()
