/*
 * serve.h — `regel serve`: the policies' decisions as an HTTP service
 * (libmicrohttpd), one record or a batch of JSON Lines per request.
 */
#ifndef REGEL_SERVE_H
#define REGEL_SERVE_H

/* argv[0] is "serve"; returns the exit status (0 after a SIGTERM drain). */
int serve_main(int argc, char **argv);

#endif
