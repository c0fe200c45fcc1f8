FROM alpine:3.20
R\
UN echo hi
