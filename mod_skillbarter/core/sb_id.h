/* Record ids: 24-hex ObjectIds (libbson), the same on the wire for both drivers. */
#ifndef SB_ID_H
#define SB_ID_H

#include "sb_model.h"

/* Write a new id (SB_ID_LEN hex chars + NUL) into out. */
void sb_id_new(char out[SB_ID_LEN + 1]);
/* 1 when s is exactly 24 hex characters. */
int sb_id_valid(const char *s);

#endif
