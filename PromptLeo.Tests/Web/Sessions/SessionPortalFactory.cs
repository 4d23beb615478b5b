using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Sessions;

/// <summary>The API portal with every request re-validated (no one-minute wait) and short sign-in waits.</summary>
public sealed class SessionPortalFactory : ApiPortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings
    {
        get
        {
            var settings = base.ExtraSettings;
            settings["Sessions:ValidationInterval"] = "00:00:00";
            settings["SignIn:MaxDelayPerAccount"] = "00:00:02";
            // The in-memory test server has no client address: every test shares one, so only the account waits are exercised here.
            settings["SignIn:FreeFailuresPerAddress"] = "1000";
            return settings;
        }
    }
}
