package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The project's SHA-256, against values sha256sum gives for the same bytes. */
class HashesTest {
  static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void hexOfBytesOfPartsAndOfText() {
    assertEquals(ABC, Hashes.sha256("abc".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(EMPTY, Hashes.sha256(new byte[0]));
    assertEquals(EMPTY, Hashes.sha256());
    // parts are hashed as their concatenation: image bytes then annotation bytes, or an image alone
    assertEquals(ABC, Hashes.sha256("ab".getBytes(StandardCharsets.US_ASCII), "c".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(ABC, Hashes.sha256("abc".getBytes(StandardCharsets.US_ASCII), new byte[0]));
    assertEquals(ABC, Hashes.sha256("abc"));
    // text is UTF-8
    assertEquals("8e243fa22a0bc9f8a36fc6e5010bfd094e4362f9c7ae21163ca95129f1b28e13", Hashes.sha256("\u00e9|x"));
    assertEquals("ea7fb08b7a2dc4619ffb7c7bb38d95a2047935fa165d71b12efd3852a2e6d0cc", Hashes.sha256("a\nb\nc"));
  }

  @Test
  void hash64IsTheFirstEightBytesBigEndian() {
    assertEquals(0xe3b0c44298fc1c14L, Hashes.hash64(""));
    assertEquals(0xba7816bf8f01cfeaL, Hashes.hash64("abc"));
    assertEquals(0x4a7ee12957bddf03L, Hashes.hash64("image_0001"));
  }
}
