RUN <<EOF
﻿﻿FROM alpine:3.20 AS build
EOF
