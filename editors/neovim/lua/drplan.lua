-- drplan for Neovim: the `drplan` file type for *.drplan files, and the
-- `drplan lsp` language server started for every drplan buffer (one server
-- per project root). Works on Neovim 0.7 and newer, without plugins.
--
--   require('drplan').setup({ path = 'drplan' })
local M = {}

-- Neovim 0.7 has no vim.lsp.start: remember one client per root ourselves.
local clients = {}

-- The directory holding `.git` above `file`, else the file's own directory.
local function root_of(file)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  local git = vim.fn.finddir('.git', dir .. ';')
  if git == '' then
    git = vim.fn.findfile('.git', dir .. ';')
  end
  if git ~= '' then
    return vim.fn.fnamemodify(git, ':p:h:h')
  end
  return dir
end

--- Starts (or reuses) the language server for a buffer.
---@param buf integer
---@param path string the drplan binary
function M.attach(buf, path)
  if vim.fn.executable(path) == 0 then
    vim.notify(
      ('drplan: `%s` is not an executable; install drplan or pass { path = ... } to require("drplan").setup'):format(path),
      vim.log.levels.WARN
    )
    return
  end
  local root = root_of(vim.api.nvim_buf_get_name(buf))
  local config = { name = 'drplan', cmd = { path, 'lsp' }, root_dir = root }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = buf })
    return
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(buf, id)
  end
end

--- Registers the file type and starts the server for drplan buffers.
---@param opts? { path?: string, lsp?: boolean }
function M.setup(opts)
  opts = opts or {}
  local path = opts.path or 'drplan'
  local group = vim.api.nvim_create_augroup('drplan', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = '*.drplan',
    command = 'setfiletype drplan',
  })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'drplan',
    callback = function(args)
      vim.bo[args.buf].commentstring = '# %s'
      vim.bo[args.buf].shiftwidth = 2
      vim.bo[args.buf].expandtab = true
      if opts.lsp ~= false then
        M.attach(args.buf, path)
      end
    end,
  })
end

return M
