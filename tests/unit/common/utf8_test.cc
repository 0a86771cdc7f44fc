// UTF-8 as protobuf requires it of a string: the check modalisd applies to findings it reads
// straight from their encoding (tests/integration/adapters/wire_findings_test.cc checks that it
// refuses what protobuf refuses).
#include "core/common/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace modalis {
namespace {

TEST(Utf8Test, WellFormedTextIsValid) {
  for (const std::string text : {"", "desk", "quadratus_lumborum and more than eight bytes", "ñ",
                                 "ибупрофен", "布洛芬", "\xf0\x9f\x98\x80", "a\xc2\x80z"}) {
    EXPECT_TRUE(IsValidUtf8(text)) << text;
  }
}

TEST(Utf8Test, WhatProtobufRefusesIsInvalid) {
  const std::vector<std::string> bad = {
      "\xc3\x28",          // a lead byte with no continuation
      "\xc0\xaf",          // overlong '/'
      "\xe0\x80\xaf",      // overlong, three bytes
      "\xed\xa0\x80",      // a UTF-16 surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
      "\xff",              // never in UTF-8
      "abcdefgh\x80",      // a stray continuation after an ASCII run
      "\xe2\x82",          // cut short
      std::string("12345678\xf0\x9f\x98", 11),
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(IsValidUtf8(text)) << "byte count " << text.size();
  }
}

TEST(Utf8Test, SequenceLengthReadsOneCharacter) {
  EXPECT_EQ(Utf8SequenceLength("a"), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xc3\xb1"), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xe5\xb8\x83"), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xf0\x9f\x98\x80"), 4u);
  EXPECT_EQ(Utf8SequenceLength(""), 0u);
  EXPECT_EQ(Utf8SequenceLength("\x80"), 0u);
}

}  // namespace
}  // namespace modalis
