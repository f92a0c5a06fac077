-- Neovim's built-in LSP client for regel.
--
--   vim.opt.runtimepath:append("/path/to/regel/editor/vim")
--   require("regel").setup()                                  -- `regel` on the path
--   require("regel").setup({ cmd = { "/path/to/regel", "lsp" } })
--
-- starts `regel lsp` for the buffers of file type regel: one server per
-- folder, shared by the files in it.
local M = {}

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { "regel", "lsp" }
  local clients = {} -- Neovim 0.7: folder -> client id
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "regel",
    group = vim.api.nvim_create_augroup("regel_lsp", { clear = true }),
    callback = function(args)
      local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(args.buf), ":p:h")
      local config = { name = "regel", cmd = cmd, root_dir = root }
      if vim.lsp.start then
        vim.lsp.start(config) -- 0.8 and later find a running server themselves
        return
      end
      local id = clients[root]
      if not id or vim.lsp.client_is_stopped(id) then
        id = vim.lsp.start_client(config)
        clients[root] = id
      end
      vim.lsp.buf_attach_client(args.buf, id)
    end,
  })
end

return M
