/** A GPS position (Kyiv) as EXIF's GPS IFD, for photos whose location must never reach a reader. */
export const GPS_IFD = {
  GPSLatitudeRef: "N",
  GPSLatitude: "50/1 27/1 0/1",
  GPSLongitudeRef: "E",
  GPSLongitude: "30/1 31/1 0/1",
};

/** The GPS IFD pointer (EXIF tag 0x8825, little-endian): its bytes are in a JPEG that carries one. */
export const GPS_IFD_POINTER = Buffer.from([0x25, 0x88]);
