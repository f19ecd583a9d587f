/*
 * One hexadecimal digit's value (0-15), or -1 for anything else: shared by the readers of
 * hex text (cursor ids, %XX in query strings, \uXXXX in the daemon's JSON reader).
 */
#ifndef SB_HEX_H
#define SB_HEX_H

static inline int sb_hex_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

#endif
