-- name: taint
-- description: The kernel's taint flags that are set, with what each means (empty: not tainted)
-- requires: taint
SELECT letter,
       name,
       bit,
       description
FROM taint
WHERE is_set
ORDER BY bit;
