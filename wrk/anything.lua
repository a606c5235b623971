-- wrk scenario: GET /anything/<path> with a query string.
-- PREFIX=/fast wrk -t1 -c64 -d8s -s wrk/anything.lua http://127.0.0.1:8000   (PREFIX default "")
-- Loads report.lua from this script's directory (wrk can be run from anywhere).
local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
local report = dofile(dir .. "report.lua")

wrk.method = "GET"
wrk.path = report.path("/anything/orders/123?x=1&expand=items&page=2")
report.browser_headers()
