// The models the engine and its helpers use, by name, with the package each one is copied from.
// One list for the installer, the manifest writer and the loader, so the three can never disagree.

export type ModelName =
  | 'ssdMobilenetv1'
  | 'tinyFaceDetector'
  | 'faceLandmark68'
  | 'faceRecognition'
  | 'blazeface'
  | 'antispoof'
  | 'liveness'
  | 'faceres'
  | 'facemesh'
  | 'iris';

export type ModelFormat = 'faceapi-weights' | 'tfjs-graph';

export interface ModelSource {
  name: ModelName;
  format: ModelFormat;
  /** The JSON file: a face-api weights manifest or a tfjs graph model. */
  json: string;
  /** The weight file(s) the JSON names, in order. */
  bins: readonly string[];
  sourcePackage: '@vladmandic/face-api' | '@vladmandic/human';
  /** Folder inside the package. */
  sourceDir: string;
}

function faceapiModel(name: ModelName, stem: string): ModelSource {
  return {
    name,
    format: 'faceapi-weights',
    json: `${stem}-weights_manifest.json`,
    bins: [`${stem}.bin`],
    sourcePackage: '@vladmandic/face-api',
    sourceDir: 'model',
  };
}

function humanModel(name: ModelName, stem: string): ModelSource {
  return {
    name,
    format: 'tfjs-graph',
    json: `${stem}.json`,
    bins: [`${stem}.bin`],
    sourcePackage: '@vladmandic/human',
    sourceDir: 'models',
  };
}

/** The manifest's file name inside the models directory (Node) or under the models URL (browser). */
export const modelManifestFileName = 'manifest.json';

export const modelSources: readonly ModelSource[] = [
  faceapiModel('ssdMobilenetv1', 'ssd_mobilenetv1_model'),
  faceapiModel('tinyFaceDetector', 'tiny_face_detector_model'),
  faceapiModel('faceLandmark68', 'face_landmark_68_model'),
  faceapiModel('faceRecognition', 'face_recognition_model'),
  humanModel('blazeface', 'blazeface'),
  humanModel('antispoof', 'antispoof'),
  humanModel('liveness', 'liveness'),
  humanModel('faceres', 'faceres'),
  // The eyelid reading of active liveness (liveness/mesh-eye-reader.ts): MediaPipe's face mesh, then its
  // iris net on each eye, which follow a closing lid that face-api's 68 points barely see.
  humanModel('facemesh', 'facemesh'),
  humanModel('iris', 'iris'),
];

export function modelSource(name: ModelName): ModelSource {
  const source = modelSources.find((candidate) => candidate.name === name);
  if (source === undefined) throw new Error(`unknown model ${name}`);
  return source;
}

export function modelSourceFiles(source: ModelSource): string[] {
  return [source.json, ...source.bins];
}
