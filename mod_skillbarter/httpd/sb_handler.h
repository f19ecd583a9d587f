#ifndef SB_HANDLER_H
#define SB_HANDLER_H

#include <httpd.h>

int sb_map_to_storage(request_rec *r);
int sb_handler(request_rec *r);

#endif
