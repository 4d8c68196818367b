-- Drives `drplan lsp` from Neovim's own LSP client, as a user's editor does:
-- file type, diagnostics, an edit that clears them (sent incrementally),
-- hover, completion, definition, rename and formatting. Run by ../test.sh
-- with $DRPLAN (the binary) and $DRPLAN_PLAN (a scratch copy of a plan whose
-- `needs db` is misspelt `needs dbb`); failures go to $DRPLAN_RESULT.

local failures = {}
local function check(ok, what)
  if not ok then
    table.insert(failures, what)
  end
end
local function finish()
  vim.fn.writefile(failures, os.getenv('DRPLAN_RESULT'))
  vim.cmd(#failures == 0 and 'qall!' or 'cquit!')
end

require('drplan').setup({ path = os.getenv('DRPLAN') })
vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('DRPLAN_PLAN')))
local buf = vim.api.nvim_get_current_buf()
check(vim.bo.filetype == 'drplan', 'filetype is "' .. vim.bo.filetype .. '"')

-- The buffer's first client (0.7's buf_get_clients is a map by id; 0.10
-- renamed it get_clients).
local function client_of(b)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = b }) or vim.lsp.buf_get_clients(b)
  local _, first = next(clients)
  return first
end
local attached = vim.wait(10000, function()
  local c = client_of(buf)
  return c ~= nil and c.initialized
end, 20)
if not attached then
  check(false, 'the drplan language server did not start')
  return finish()
end
local client = client_of(buf)
local encoding = client.offset_encoding or 'utf-16'

-- Diagnostics arrive on open.
vim.wait(10000, function()
  return #vim.diagnostic.get(buf) > 0
end, 20)
local diagnostics = vim.diagnostic.get(buf)
check(#diagnostics == 1, 'want 1 diagnostic on open, got ' .. #diagnostics)
if diagnostics[1] then
  check(diagnostics[1].message:find('unknown group `dbb`', 1, true) ~= nil, 'message: ' .. diagnostics[1].message)
  check(diagnostics[1].severity == vim.diagnostic.severity.ERROR, 'severity ' .. tostring(diagnostics[1].severity))
end

-- Where a word is, as a 0-based LSP position.
local function find(word, nth)
  local seen = 0
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local from = 1
    while true do
      local s = line:find(word, from, true)
      if not s then
        break
      end
      seen = seen + 1
      if seen == (nth or 1) then
        return i - 1, s - 1
      end
      from = s + 1
    end
  end
  error('no ' .. word .. ' in the buffer')
end

-- Fix the typo with a small edit: Neovim sends it as an incremental change.
local row, col = find('dbb')
vim.api.nvim_buf_set_text(buf, row, col, row, col + 3, { 'db' })
local cleared = vim.wait(10000, function()
  return #vim.diagnostic.get(buf) == 0
end, 20)
check(cleared, 'diagnostics did not clear after the fix: ' .. vim.inspect(vim.diagnostic.get(buf)))

local function request(method, params)
  local answers = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
  for _, answer in pairs(answers) do
    if answer.err then
      table.insert(failures, method .. ': ' .. vim.inspect(answer.err))
    end
    return answer.result
  end
end
local function at(r, c)
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = r, character = c } }
end

-- Hover on the group name shows its VMs.
row, col = find('group db')
local hover = request('textDocument/hover', at(row, col + 6))
local text = hover and hover.contents and hover.contents.value or ''
check(text:find('**group db**', 1, true) ~= nil, 'hover: ' .. text)

-- Definition from `needs db` jumps to `group db`.
local nrow, ncol = find('needs db')
local def = request('textDocument/definition', at(nrow, ncol + 6))
check(def and def.range and def.range.start.line == row, 'definition: ' .. vim.inspect(def))

-- Completion after `needs ` offers the other groups.
vim.api.nvim_buf_set_text(buf, nrow, ncol + 6, nrow, ncol + 8, { '' })
vim.wait(300)
local items = request('textDocument/completion', at(nrow, ncol + 6)) or {}
items = items.items or items
local labels = {}
for _, item in ipairs(items) do
  table.insert(labels, item.label)
end
check(vim.tbl_contains(labels, 'db'), 'completion after needs: ' .. table.concat(labels, ', '))
vim.api.nvim_buf_set_text(buf, nrow, ncol + 6, nrow, ncol + 6, { 'db' })

-- Rename the group: its definition and its use change.
local edit = request('textDocument/rename', vim.tbl_extend('force', at(row, col + 6), { newName = 'database' }))
if edit then
  vim.lsp.util.apply_workspace_edit(edit, encoding)
end
local all = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
check(all:find('group database', 1, true) and all:find('needs database', 1, true), 'rename:\n' .. all)

-- Formatting: a line indented wrongly comes back to drplan fmt's layout.
local tidy = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
row = find('vault')
vim.api.nvim_buf_set_lines(buf, row, row + 1, false, { '        ' .. vim.trim(tidy[row + 1]) })
vim.wait(300)
if vim.lsp.buf.format then
  vim.lsp.buf.format({ bufnr = buf, timeout_ms = 10000 })
else
  vim.lsp.buf.formatting_sync(nil, 10000)
end
local formatted = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
check(vim.deep_equal(formatted, tidy), 'formatting:\n' .. table.concat(formatted, '\n'))

-- A second plan of the same project shares the server.
vim.cmd('silent! write')
local other = vim.fn.fnamemodify(os.getenv('DRPLAN_PLAN'), ':h') .. '/other.drplan'
vim.fn.writefile(vim.api.nvim_buf_get_lines(buf, 0, -1, false), other)
vim.cmd('edit ' .. vim.fn.fnameescape(other))
local second = vim.api.nvim_get_current_buf()
vim.wait(10000, function()
  return client_of(second) ~= nil
end, 20)
local shared = client_of(second)
check(shared ~= nil and shared.id == client.id, 'a second plan started another server')

finish()
