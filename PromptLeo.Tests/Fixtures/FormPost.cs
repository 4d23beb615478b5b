using System.Net;
using System.Text.RegularExpressions;

namespace PromptLeo.Tests.Fixtures;

/// <summary>Posts Blazor SSR forms the way a browser does: GET the page, take the antiforgery token, POST.</summary>
public static partial class FormPost
{
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string pageUrl, string formName, IDictionary<string, string> fields)
    {
        var page = await client.GetAsync(pageUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryToken(html);
        var form = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = formName,
        };
        // A browser also sends the form's hidden inputs, e.g. the privacy notice version on the registration form.
        foreach (Match hidden in HiddenInputPattern().Matches(html))
        {
            form.TryAdd(hidden.Groups[1].Value, WebUtility.HtmlDecode(hidden.Groups[2].Value));
        }
        return await client.PostAsync(pageUrl, new FormUrlEncodedContent(form));
    }

    /// <summary>Takes the antiforgery token from <paramref name="pageUrl"/> and posts <paramref name="fields"/> to another action, as the layout's forms do.</summary>
    public static async Task<HttpResponseMessage> PostWithTokenFromAsync(HttpClient client, string pageUrl, string actionUrl, IDictionary<string, string> fields)
    {
        var page = await client.GetAsync(pageUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = AntiforgeryToken(await page.Content.ReadAsStringAsync()) };
        return await client.PostAsync(actionUrl, new FormUrlEncodedContent(form));
    }

    public static string AntiforgeryToken(string html)
    {
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, "The page has no antiforgery token.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(Input\\.[^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenInputPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
