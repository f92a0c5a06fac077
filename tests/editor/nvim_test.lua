-- Neovim's built-in LSP client with editor/vim/lua/regel.lua, in a headless
-- Neovim, on a copy of a shipped policy: a typo in a field name gives the
-- diagnostic with "did you mean", hover on a field shows its type and
-- column, and go to definition on an included decision opens its file.
--   REGEL=build/regel POLICIES=DIR nvim --headless -u NONE -i NONE -c "luafile tests/editor/nvim_test.lua"
-- (run by tests/editor/run, with DIR a copy of policies/).
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
vim.opt.runtimepath:append(root .. "/editor/vim")
vim.cmd("filetype plugin indent on")
require("regel").setup({ cmd = { os.getenv("REGEL"), "lsp" } })

local passed, failed, out = 0, 0, {}
local function check(ok, what)
  if ok then passed = passed + 1 else failed = failed + 1 end
  table.insert(out, (ok and "  ok    " or "  FAIL  ") .. what)
end

local function find(pattern)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local c = l:find(pattern, 1, true)
    if c then return { line = i - 1, character = c - 1 } end
  end
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("POLICIES") .. "/ytterligare_st.regel"))
check(vim.bo.filetype == "regel", "the file type is regel")
local attached = vim.wait(10000, function()
  local c = vim.lsp.buf_get_clients(0)[1]
  return c ~= nil and c.initialized
end)
check(attached, "regel lsp started and attached")

local at = find("must B1 vc.listade")
local line = vim.api.nvim_buf_get_lines(0, at.line, at.line + 1, false)[1]
vim.api.nvim_buf_set_lines(0, at.line, at.line + 1, false, { (line:gsub("vc%.listade", "vc.listad", 1)) })
vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end)
local d = vim.diagnostic.get(0)[1]
check(d ~= nil and d.lnum == at.line and d.col == at.character + 11
  and d.message:find("Vardcentral has no field 'listad'", 1, true)
  and d.message:find("did you mean 'listade'?", 1, true),
  "a typo in a field: " .. (d and (d.lnum + 1) .. ":" .. (d.col + 1) .. " " .. d.message:gsub("\n", " | ") or "no diagnostic"))

local p = find("vc.st_antal")
p.character = p.character + 4
local r = vim.lsp.buf_request_sync(0, "textDocument/hover",
  { textDocument = vim.lsp.util.make_text_document_params(), position = p }, 5000)
local hover = ""
for _, v in pairs(r or {}) do
  if v.result then hover = v.result.contents.value end
end
check(hover:find("st_antal: Int", 1, true) and hover:find('column "Antal ST-läkare"', 1, true),
  "hover on a field: " .. hover:gsub("\n", " | "))

p = find("include utbildningsvardcentral(vc)")
vim.api.nvim_win_set_cursor(0, { p.line + 1, p.character + 10 })
vim.lsp.buf.definition()
vim.wait(5000, function() return vim.api.nvim_buf_get_name(0):find("utbildningsvardcentral%.regel$") ~= nil end)
check(vim.api.nvim_buf_get_name(0):find("utbildningsvardcentral%.regel$") ~= nil
  and vim.api.nvim_get_current_line():find("^decision utbildningsvardcentral") ~= nil,
  "go to definition of an included decision: " .. vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ":t")
  .. ":" .. vim.api.nvim_win_get_cursor(0)[1])

table.insert(out, string.format("%d passed, %d failed", passed, failed))
vim.fn.writefile(out, "/dev/stdout")
vim.cmd(failed == 0 and "qall!" or "cquit")
