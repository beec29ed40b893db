namespace OpenTracy.Engine.Serialization;

/// <summary>
/// Marker for every message that may cross the network (remoting, sharding, cluster client). HOCON
/// (<c>akka.actor.serialization-bindings</c> in opentracy.conf) binds it to <see cref="OpenTracySerializer"/>,
/// so none of them falls back to Akka's default Newtonsoft.Json serializer. A type that implements it
/// must also have a manifest in <see cref="MessageManifests"/>, or serializing it fails loudly.
/// </summary>
public interface IOpenTracyMessage;
