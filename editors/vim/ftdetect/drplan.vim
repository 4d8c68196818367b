" Vim filetype detection for drplan disaster-recovery plans.
autocmd BufNewFile,BufRead *.drplan setfiletype drplan
