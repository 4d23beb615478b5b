using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace PromptLeo.Web.Components.Account;

/// <summary>The Base64url codes in confirmation and reset links; a mangled link is the visitor's mistake, not a server error.</summary>
internal static class IdentityLinkCodes
{
    public static string? Decode(string code)
    {
        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
