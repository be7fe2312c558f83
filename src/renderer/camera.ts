// The kiosk camera: opens the chosen (or first) video input without audio, names why it cannot
// (no camera, permission denied, unplugged mid-payment) so the screen can say it, and lists the devices.

export type CameraProblem = 'no_camera' | 'permission_denied' | 'camera_lost';

export type CameraOpened =
  | { ok: true; stream: MediaStream; deviceId: string; label: string }
  | { ok: false; problem: CameraProblem; detail: string };

export interface CameraDevice {
  deviceId: string;
  label: string;
}

export async function listCameras(): Promise<CameraDevice[]> {
  if (navigator.mediaDevices === undefined) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices
    .filter((device) => device.kind === 'videoinput')
    .map((device, index) => ({
      deviceId: device.deviceId,
      label: device.label === '' ? `Camera ${index + 1}` : device.label,
    }));
}

export async function openCamera(deviceId: string | null): Promise<CameraOpened> {
  if (navigator.mediaDevices?.getUserMedia === undefined) {
    return { ok: false, problem: 'no_camera', detail: 'this browser gives no camera access' };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: {
        ...(deviceId === null ? {} : { deviceId: { exact: deviceId } }),
        width: { ideal: 640 },
        height: { ideal: 480 },
        frameRate: { ideal: 15, max: 30 },
      },
    });
    const track = stream.getVideoTracks()[0];
    if (track === undefined) {
      return { ok: false, problem: 'no_camera', detail: 'the stream has no video track' };
    }
    return {
      ok: true,
      stream,
      deviceId: track.getSettings().deviceId ?? '',
      label: track.label,
    };
  } catch (error) {
    const name = error instanceof DOMException ? error.name : '';
    const detail = error instanceof Error ? error.message : String(error);
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      return { ok: false, problem: 'permission_denied', detail };
    }
    return { ok: false, problem: 'no_camera', detail };
  }
}

/** Calls back once when the camera goes away (unplugged, revoked) while in use. */
export function watchCamera(stream: MediaStream, onLost: () => void): () => void {
  const tracks = stream.getVideoTracks();
  let fired = false;
  const lost = () => {
    if (fired) return;
    fired = true;
    onLost();
  };
  for (const track of tracks) track.addEventListener('ended', lost);
  return () => {
    for (const track of tracks) track.removeEventListener('ended', lost);
  };
}

export function stopCamera(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}

const cameraKey = 'facepay.cameraDeviceId';

/** The operator's choice of camera on this kiosk, or null for the system's default. */
export function chosenCamera(): string | null {
  return window.localStorage.getItem(cameraKey);
}

export function chooseCamera(deviceId: string | null): void {
  if (deviceId === null) window.localStorage.removeItem(cameraKey);
  else window.localStorage.setItem(cameraKey, deviceId);
}
