// zlib (zlib1g-dev): /metrics gzip-compressed for a scraper that asks for it.
#include <zlib.h>
