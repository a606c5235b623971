-- wrk scenario: POST /post with a JSON body (~240 B, as fetch() sends it).
-- PREFIX=/fast wrk -t1 -c64 -d8s -s wrk/post_json.lua http://127.0.0.1:8000   (PREFIX default "")
-- Loads report.lua from this script's directory (wrk can be run from anywhere).
local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
local report = dofile(dir .. "report.lua")

wrk.method = "POST"
wrk.path = report.path("/post")
wrk.body = '{"order_id":"ord_000123","customer":{"id":42,"name":"Jane Doe",'
  .. '"email":"jane@example.org"},"items":[{"sku":"SKU-1000","qty":2,"price":14.5},'
  .. '{"sku":"SKU-1037","qty":1,"price":39.9}],"coupon":null,"gift":false,'
  .. '"notes":"leave at the door"}'
report.browser_headers({
  ["Accept"] = "*/*",
  ["Content-Type"] = "application/json",
})
