using System.Net;
using System.Net.Sockets;

namespace PromptLeo.Web.Features.Sessions;

/// <summary>What a session list may show about a client without keeping the raw User-Agent or address.</summary>
public static class ClientDescription
{
    /// <summary>"Firefox on Windows", "Safari on iOS", "curl"; "Unknown browser" when nothing matches.</summary>
    public static string Device(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "Unknown browser";
        }
        var ua = userAgent;
        string browser =
            Has(ua, "Edg/") ? "Edge" :
            Has(ua, "OPR/") ? "Opera" :
            Has(ua, "Firefox/") ? "Firefox" :
            Has(ua, "Chromium/") ? "Chromium" :
            Has(ua, "Chrome/") ? "Chrome" :
            Has(ua, "Safari/") ? "Safari" :
            Has(ua, "curl/") ? "curl" : "Unknown browser";
        string? system =
            Has(ua, "Windows") ? "Windows" :
            Has(ua, "iPhone") || Has(ua, "iPad") ? "iOS" :
            Has(ua, "Mac OS X") || Has(ua, "Macintosh") ? "macOS" :
            Has(ua, "Android") ? "Android" :
            Has(ua, "CrOS") ? "ChromeOS" :
            Has(ua, "Linux") ? "Linux" : null;
        return system is null ? browser : $"{browser} on {system}";
    }

    /// <summary>The network without its host part: IPv4 /24, IPv6 /48; "unknown" without an address.</summary>
    public static string Network(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[3] = 0;
            return $"{new IPAddress(bytes)}/24";
        }
        Array.Clear(bytes, 6, bytes.Length - 6);
        return $"{new IPAddress(bytes)}/48";
    }

    private static bool Has(string ua, string token) => ua.Contains(token, StringComparison.OrdinalIgnoreCase);
}
