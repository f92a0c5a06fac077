-- The decision of tests/bench/centres.regel in Lua, for the benchmark.
-- Runs under Lua 5.4 and LuaJIT 2.1 with lua-cjson:
--   lua5.4 tests/bench/centres.lua centres.jsonl > out.jsonl
--   luajit tests/bench/centres.lua centres.jsonl > out.jsonl
-- The output lines are built by hand: cjson's encoder orders keys
-- arbitrarily and escapes '/'.

local cjson = require "cjson"

local decode = cjson.decode
local format, gsub, find, sub, byte = string.format, string.gsub, string.find, string.sub, string.byte
local concat = table.concat
local floor = math.floor
local write = io.write

local LISTADE_PER_ST_LAKARE = 1500

-- JSON string escaping, the same as regel's: \" \\ \n \r \t, the other
-- control characters and DEL as \u00XX, everything else as is.
local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function escape_char(c)
  return escapes[c] or format("\\u%04x", byte(c))
end

local function json_string(s)
  if find(s, '[%c"\\]') then
    s = gsub(s, '[%c"\\]', escape_char)
  end
  return '"' .. s .. '"'
end

-- "6230" -> "6 230": groups of three digits separated by a space.
local function group3(digits)
  local n = #digits
  if n <= 3 then
    return digits
  end
  local head = (n - 1) % 3 + 1
  local s = sub(digits, 1, head)
  for i = head + 1, n, 3 do
    s = s .. " " .. sub(digits, i, i + 2)
  end
  return s
end

-- A number the Swedish way: 6230 -> "6 230", 112.5 -> "112,5", 100.0 -> "100".
-- cjson decodes every number as a float, so integers are printed with %d.
local function sv(x)
  local sign = ""
  if x < 0 then
    sign, x = "-", -x
  end
  if x == floor(x) then
    return sign .. group3(format("%d", x))
  end
  local int, frac = string.match(format("%.15g", x), "^(%d+)%.(%d+)$")
  return sign .. group3(int) .. "," .. frac
end

local function reason(ref, severity, message)
  return '{"ref":"' .. ref .. '","severity":"' .. severity .. '","message":' .. json_string(message) .. "}"
end

local MSG_A1 = reason("A1", "must", "kvalitetskriterierna är inte uppfyllda")
local MSG_A2 = reason("A2", "must", "utbildningsplatser för alla professioner saknas")
local MSG_A4 = reason("A4", "must", "ska vara godkänd utbildningsvårdcentral och utbilda läkarstudenter och AT-läkare")

-- One output line for one decoded centre.
local function decide(vc)
  local n, grad = 0, 0
  for _, sp in ipairs(vc.specialister) do
    if sp.specialitet == "allmänmedicin" and sp.samma_vc then
      n = n + 1
      grad = grad + sp.tjanstgoringsgrad
    end
  end
  local st_lakare = vc.st_antal + 1
  local krav = LISTADE_PER_ST_LAKARE * st_lakare

  local reasons, failed = {}, false
  if not vc.kvalitetskriterier then
    reasons[#reasons + 1], failed = MSG_A1, true
  end
  if not vc.utbildningsplatser then
    reasons[#reasons + 1], failed = MSG_A2, true
  end
  if not (n >= 2 and grad >= 100) then
    reasons[#reasons + 1], failed = reason("A3", "must", sv(n) .. " specialister i allmänmedicin med sammanlagt "
      .. sv(grad) .. " %; krav minst 2 och 100 %"), true
  end
  if not (vc.godkand_utbildning and vc.utbildar_lakarstudenter and vc.utbildar_at) then
    reasons[#reasons + 1], failed = MSG_A4, true
  end
  if not (vc.listade >= krav) then
    reasons[#reasons + 1], failed = reason("B1", "must", sv(vc.listade) .. " listade räcker inte för "
      .. sv(st_lakare) .. " ST-läkare (krav " .. sv(krav) .. ")"), true
  end
  if not (n >= st_lakare) then
    reasons[#reasons + 1] = reason("B3", "should", sv(n) .. " specialister i allmänmedicin men "
      .. sv(st_lakare) .. " ST-läkare")
  end

  return '{"decision":"utbildning","id":' .. json_string(vc.hsa_id)
    .. ',"outcome":"' .. (failed and "nej" or "ja")
    .. '","reasons":[' .. concat(reasons, ",") .. "]}\n"
end

local path = arg[1]
if not path then
  io.stderr:write("usage: centres.lua FILE\n")
  os.exit(2)
end
local input = assert(io.open(path, "rb"))

-- Output goes out in batches of lines.
local BATCH = 4096
local out, count = {}, 0
for line in input:lines() do
  count = count + 1
  out[#out + 1] = decide(decode(line))
  if #out == BATCH then
    write(concat(out))
    out = {}
  end
end
write(concat(out))
input:close()
io.stderr:write(format("centres.lua: %d records\n", count))
