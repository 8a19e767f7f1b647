export { startSimulatedCamera, type CameraFault, type FaultOptions, type SimulatedCamera, type SimulatedCameraOptions } from './camera.js';
export { DiscoveryResponder, type DiscoveryResponderOptions, type DiscoverableCamera } from './discovery-responder.js';
export { Scene } from './scene.js';
