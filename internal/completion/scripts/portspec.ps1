# PowerShell completion for portspec:
#   portspec completion powershell | Out-String | Invoke-Expression
#
# portspec itself says what a word completes to: `portspec __complete
# WORD...` is given the words up to the cursor and answers "files" (the
# word is a file name, for PowerShell to complete) or "words", then one
# candidate a line.

Register-ArgumentCompleter -Native -CommandName 'portspec', 'portspec.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $elements = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition })
    $program = $elements[0].Extent.Text
    $words = @($elements | Select-Object -Skip 1 | ForEach-Object {
        if ($_ -is [System.Management.Automation.Language.StringConstantExpressionAst]) { $_.Value } else { $_.Extent.Text }
    })
    # Before 7.3, PowerShell drops an empty argument to a program: the
    # word after a space is "".
    $word = $wordToComplete
    if ($word -eq '' -and ($PSVersionTable.PSVersion -lt [version]'7.3' -or $PSNativeCommandArgumentPassing -eq 'Legacy')) {
        $word = '""'
    }
    $answer = @(& $program __complete @words $word 2>$null)
    if ($answer.Count -eq 0 -or $answer[0] -eq 'files') {
        # No result, and PowerShell completes a file name as it does.
        return
    }
    $candidates = @($answer | Select-Object -Skip 1)
    if ($candidates.Count -eq 0) {
        # An empty string keeps PowerShell from offering file names.
        return ''
    }
    foreach ($candidate in $candidates) {
        $text = $candidate
        if ($text -match '[\s''"`$(){}@;,&|<>#]') {
            $text = "'" + ($text -replace "'", "''") + "'"
        }
        [System.Management.Automation.CompletionResult]::new($text, $candidate, 'ParameterValue', $candidate)
    }
}
