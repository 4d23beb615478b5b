using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.RemoteInference;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.RemoteInference;

/// <summary>Issue 17: why a node is unhealthy reads in the admin's language on /admin and /admin/system.</summary>
public sealed class RemoteProblemTests
{
    [Theory]
    [InlineData("de", "Die Abfrage der Modellliste ergab Status 503.")]
    [InlineData("en", "GET /models answered 503.")]
    public void In_StatusProblem_InTheReadersLanguage(string culture, string expected) =>
        Assert.Equal(expected, InCulture(culture, new RemoteProblem("GET /models answered {0}.", "503")));

    [Theory]
    [InlineData("de", "Der Knoten bietet missing-chat nicht an.")]
    [InlineData("en", "It does not offer missing-chat.")]
    public void In_MissingModel_InTheReadersLanguage(string culture, string expected) =>
        Assert.Equal(expected, InCulture(culture, new RemoteProblem("It does not offer {0}.", "missing-chat")));

    [Fact]
    public void ToString_ForLogsAndApiErrors_IsTheEnglishText() =>
        Assert.Equal("The inference node answered with status 500.", new RemoteProblem("The inference node answered with status {0}.", "500").ToString());

    private static string InCulture(string culture, RemoteProblem problem) => Localized.In<RemoteInferenceResource, string>(culture, problem.In);
}
