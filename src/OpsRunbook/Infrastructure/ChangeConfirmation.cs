using System.Management.Automation;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// ShouldProcess with -Force and an impact per change. A cmdlet declares its highest ConfirmImpact; a change
    /// of lower impact (a VACUUM beside a VACUUM FULL) prompts only when $ConfirmPreference asks for that level.
    /// -Force skips the prompt but not -WhatIf; an explicit -Confirm still prompts; -Confirm:$false never does.
    /// </summary>
    internal static class ChangeConfirmation
    {
        public static bool ShouldChange(PSCmdlet cmdlet, string target, string action, ConfirmImpact impact, bool force)
        {
            if (IsWhatIf(cmdlet) || Bound(cmdlet, "Confirm") == true)
            {
                return cmdlet.ShouldProcess(target, action);
            }

            if (!force && WouldPrompt(cmdlet, impact))
            {
                return cmdlet.ShouldProcess(target, action);
            }

            // Without a prompt ShouldProcess is not asked, so say what it would have said.
            cmdlet.WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\".");
            return true;
        }

        /// <summary>Whether a change of this impact would be asked about (without -Force): not when nobody would answer.</summary>
        internal static bool WouldPrompt(PSCmdlet cmdlet, ConfirmImpact impact) =>
            Bound(cmdlet, "Confirm") == true ||
            (Bound(cmdlet, "Confirm") != false && impact >= ConfirmPreference(cmdlet) && ConfirmPreference(cmdlet) != ConfirmImpact.None);

        internal static bool IsWhatIf(PSCmdlet cmdlet) =>
            Bound(cmdlet, "WhatIf") ?? cmdlet.GetVariableValue("WhatIfPreference") switch
            {
                bool flag => flag,
                SwitchParameter flag => flag.IsPresent,
                _ => false,
            };

        private static ConfirmImpact ConfirmPreference(PSCmdlet cmdlet) =>
            cmdlet.GetVariableValue("ConfirmPreference") is ConfirmImpact preference ? preference : ConfirmImpact.High;

        private static bool? Bound(PSCmdlet cmdlet, string name) =>
            cmdlet.MyInvocation.BoundParameters.TryGetValue(name, out var value) && value is SwitchParameter flag ? flag.IsPresent : null;
    }
}
