namespace PromptLeo.Web.Resources;

/// <summary>Marker for the remote inference endpoints' strings (admin page). Keys are the English text.</summary>
public sealed class RemoteInferenceResource;
