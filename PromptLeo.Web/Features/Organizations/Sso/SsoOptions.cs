namespace PromptLeo.Web.Features.Organizations.Sso;

/// <summary>Section <c>Sso</c>: organization single sign-on.</summary>
public sealed class SsoOptions
{
    public const string SectionName = "Sso";

    /// <summary>
    /// Accepts an identity provider on plain http when it is on this machine (localhost, 127.0.0.1, ::1): for development
    /// and tests only. Every other provider must use https.
    /// </summary>
    public bool AllowLoopbackHttp { get; set; }
}
