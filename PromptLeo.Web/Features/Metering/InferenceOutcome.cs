namespace PromptLeo.Web.Features.Metering;

public enum InferenceOutcome
{
    Completed,
    Cancelled,
    Failed,
}
