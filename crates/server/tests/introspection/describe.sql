\d
\dt
\di
\ds
\d people
\d items
\dn
\du someone
\d nosuch
